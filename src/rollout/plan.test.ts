import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { weightAt } from './plan.ts';
import { World, canarySpec, stableWorld } from '../../test/support/rollout-world.ts';

describe('the first revision', () => {
  test('starts at full size and becomes stable once every pod is Ready', () => {
    const w = new World(canarySpec());
    const plan = w.reconcile();
    const hash = w.desired().hash;
    assert.equal(w.replicas(hash), 4);
    assert.equal(plan.state.phase, 'Progressing');
    assert.equal(w.status?.canaryRevision?.revision, 1);
    w.settle();
    w.reconcile();
    assert.equal(w.status?.stableRevision?.hash, hash);
    assert.equal(w.status?.canaryRevision, undefined);
    assert.deepEqual(w.status?.history?.map((h) => [h.revision, h.outcome, h.reason]), [[1, 'Promoted', 'RolloutCompleted']]);
    // A first version is not a rollout: its status (stableRevision, Ready) tells it.
    assert.deepEqual(w.reasons(), []);
    assert.equal(w.condition('Ready'), 'True');
  });

  test('reports Failed but keeps trying when its model cannot be fetched, since there is nothing to go back to', () => {
    const w = new World(canarySpec());
    w.failing.set(w.desired().hash, { reason: 'ChecksumMismatch', message: 'checksum mismatch' });
    const plan = w.converge();
    assert.equal(plan.state.phase, 'Failed');
    assert.equal(w.replicas(w.desired().hash), 4);
    assert.equal(w.condition('Stalled'), 'True');
    w.failing.clear();
    w.converge();
    assert.equal(w.status?.stableRevision?.version, '1');
  });
});

describe('steady state', () => {
  test('plans the same status twice, with no events and no requeue', () => {
    const { w } = stableWorld(canarySpec());
    const before = JSON.stringify(w.status);
    const plan = w.reconcile();
    assert.equal(JSON.stringify(w.status), before);
    assert.deepEqual(plan.events, []);
    assert.equal(plan.requeueAfterMs, undefined);
    assert.equal(plan.analysis, undefined);
  });

  test('routes every Service to the one revision', () => {
    const { w, v1 } = stableWorld(canarySpec());
    assert.deepEqual(w.last.routing, { stable: v1, candidate: v1 });
  });
});

describe('revision history', () => {
  test('keeps revisionHistoryLimit old Deployments and history entries', () => {
    const { w } = stableWorld(canarySpec({ revisionHistoryLimit: 2, rollout: { strategy: 'RollingUpdate' } }));
    const hashes = [w.desired().hash];
    for (const v of ['2', '3', '4', '5']) {
      hashes.push(w.setVersion(v));
      w.converge();
    }
    assert.equal(w.status?.stableRevision?.revision, 5);
    assert.deepEqual([...w.deployments.keys()].sort(), [hashes[2], hashes[3], hashes[4]].sort());
    assert.deepEqual(w.status?.history?.map((h) => h.revision), [4, 5]);
  });
});

test('an unusable annotation is removed with a Warning', () => {
  const { w } = stableWorld(canarySpec());
  w.annotations['modelship.io/promote'] = 'sideways';
  const plan = w.reconcile();
  assert.deepEqual(plan.consumed, ['modelship.io/promote']);
  assert.equal(plan.events[0]?.reason, 'InvalidAnnotation');
});

test('weightAt is the last setWeight at or before a step', () => {
  const steps = [{ pause: {} }, { setWeight: 10 }, { pause: {} }, { setWeight: 40 }];
  assert.deepEqual([0, 1, 2, 3].map((s) => weightAt(steps, s)), [0, 10, 10, 40]);
});
