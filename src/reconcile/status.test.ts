import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Deployment } from '@kubernetes/client-node';
import { sampleModelDeployment } from '../builders/sample.ts';
import type { CachedModelDeployment } from './context.ts';
import { decideRollout } from './rollout.ts';
import { buildStatus, statusChanged } from './status.ts';
import type { Revision } from '../builders/revision.ts';

const rev: Revision = { hash: 'h3', version: '3', uri: 's3://models/fraud/3/model.onnx', image: 'i' };
const t0 = new Date('2026-01-01T00:00:00Z');
const t1 = new Date('2026-01-01T00:05:00Z');

function rolledOut(): V1Deployment {
  return {
    metadata: { generation: 1 },
    spec: { replicas: 2, selector: {}, template: { metadata: { labels: { 'modelship.io/revision': 'h3' } } } },
    status: { observedGeneration: 1, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2, conditions: [{ type: 'Available', status: 'True' }] },
  };
}

function statusFor(md: CachedModelDeployment, deployment: V1Deployment | undefined, now: Date) {
  const rollout = decideRollout(rev, 1, md.status?.stableRevision, deployment);
  return buildStatus({ md, desiredReplicas: 2, revisionHistoryLimit: 5, deployment, rollout, now });
}

describe('buildStatus', () => {
  test('reports what /scale and people need: selector, replicas, url, observedGeneration', () => {
    const md = sampleModelDeployment() as CachedModelDeployment;
    const s = statusFor(md, rolledOut(), t0);
    assert.equal(s.selector, 'app.kubernetes.io/name=modelship-runtime,modelship.io/deployment=fraud');
    assert.equal(s.replicas, 2);
    assert.equal(s.readyReplicas, 2);
    assert.equal(s.url, 'http://fraud.ml.svc.cluster.local');
    assert.equal(s.observedGeneration, 1);
  });

  test('names the serving version only once the Deployment has rolled out', () => {
    const md = sampleModelDeployment() as CachedModelDeployment;
    assert.equal(statusFor(md, undefined, t0).stableRevision, undefined);
    const s = statusFor(md, rolledOut(), t0);
    assert.deepEqual(s.stableRevision, { revision: 1, version: '3', hash: 'h3', uri: 's3://models/fraud/3/model.onnx' });
    assert.equal(s.history?.[0]?.outcome, 'Promoted');
    assert.equal(s.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
  });

  test('is unchanged on a second pass over the same world, even later: no needless write', () => {
    const md = sampleModelDeployment() as CachedModelDeployment;
    md.status = statusFor(md, rolledOut(), t0);
    const again = statusFor(md, rolledOut(), t1);
    assert.equal(statusChanged(md.status, again), false);
  });

  test('keeps lastTransitionTime when a condition keeps its status', () => {
    const md = sampleModelDeployment() as CachedModelDeployment;
    md.status = statusFor(md, rolledOut(), t0);
    const scaledDown = rolledOut();
    scaledDown.status!.readyReplicas = 1;
    const next = statusFor(md, scaledDown, t1);
    assert.equal(statusChanged(md.status, next), true);
    const available = next.conditions?.find((c) => c.type === 'Available');
    assert.equal(available?.lastTransitionTime, '2026-01-01T00:00:00Z');
  });

  test('reports a terminal problem as Stalled', () => {
    const md = sampleModelDeployment() as CachedModelDeployment;
    const rollout = decideRollout(rev, 1, undefined, undefined);
    const s = buildStatus({ md, desiredReplicas: 2, revisionHistoryLimit: 5, deployment: undefined, rollout, now: t0, error: { reason: 'ChildConflict', message: 'x', terminal: true } });
    const stalled = s.conditions?.find((c) => c.type === 'Stalled');
    assert.equal(stalled?.status, 'True');
    assert.equal(stalled?.reason, 'ChildConflict');
  });

  test('keeps at most revisionHistoryLimit history entries', () => {
    const md = sampleModelDeployment() as CachedModelDeployment;
    md.status = { history: [1, 2, 3].map((n) => ({ revision: n, version: String(n), hash: `x${n}`, uri: 'u', outcome: 'Promoted' as const, time: 't', reason: 'r' })) };
    const rollout = decideRollout(rev, 4, undefined, rolledOut());
    const s = buildStatus({ md, desiredReplicas: 2, revisionHistoryLimit: 2, deployment: rolledOut(), rollout, now: t0 });
    assert.deepEqual(s.history?.map((h) => h.revision), [3, 4]);
  });
});
