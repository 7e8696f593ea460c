import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { canarySpec, stableWorld } from '../../../test/support/rollout-world.ts';

describe('undo', () => {
  test('goes back to a revision by number or version and stays there until retried', () => {
    const { w, v1 } = stableWorld(canarySpec({ rollout: { strategy: 'RollingUpdate' } }));
    const v2 = w.setVersion('2');
    w.converge();
    assert.equal(w.status?.stableRevision?.hash, v2);
    w.annotations['modelship.io/undo'] = '1';
    w.reconcile();
    assert.equal(w.status?.canaryRevision?.hash, v1);
    assert.equal(w.replicas(v1), 4);
    assert.equal(w.replicas(v2), 4, 'stable keeps serving until the old revision is Ready');
    w.settle();
    w.converge();
    assert.equal(w.status?.stableRevision?.hash, v1);
    assert.equal(w.replicas(v2), 0);
    assert.equal(w.last.state.phase, 'RolledBack');
    assert.equal(w.condition('Degraded'), 'True');
    assert.deepEqual(w.reasons().filter((r) => r.startsWith('Undo')), ['UndoStarted', 'UndoCompleted']);
    w.tick(1_000_000);
    w.converge();
    assert.equal(w.status?.stableRevision?.hash, v1);

    w.annotations['modelship.io/undo'] = '2';
    w.converge();
    assert.equal(w.status?.stableRevision?.hash, v2, 'undo to the spec\'s own revision rolls it out again');
    assert.equal(w.last.state.phase, 'Complete');

    w.annotations['modelship.io/undo'] = 'nope';
    w.reconcile();
    assert.equal(w.events.at(-1)?.reason, 'UndoFailed');
  });

  test('during a canary, undo to stable ends the canary', () => {
    const { w, v1 } = stableWorld(canarySpec());
    const v2 = w.setVersion('2');
    w.converge();
    w.annotations['modelship.io/undo'] = '1';
    w.reconcile();
    assert.deepEqual([w.replicas(v2), w.replicas(v1)], [0, 4]);
    assert.equal(w.status?.history?.at(-1)?.reason, 'UndoRequested');
    assert.equal(w.converge().state.phase, 'RolledBack');
  });
});
