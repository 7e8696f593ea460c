import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyDefaults } from '../api/defaults.ts';
import type { RolloutPlan } from '../rollout/plan.ts';
import { kstatusOf } from '../status/conditions.ts';
import { buildStatus, statusChanged } from './status.ts';

const t0 = new Date('2026-05-01T12:00:00Z');
const t1 = new Date('2026-05-01T12:05:00Z');
const spec = applyDefaults({ model: { version: '2', uri: 's3://m/2.onnx' }, replicas: 2 });
const md = {
  metadata: { name: 'fraud', namespace: 'ml', generation: 5 },
  status: {
    observedGeneration: 4,
    stableRevision: { revision: 1, version: '1', hash: 'h1' },
    canaryRevision: { revision: 2, version: '2', hash: 'h2', weight: 50, startTime: '2026-05-01T11:59:00Z' },
  },
};
const observed = [{ hash: 'h2', name: 'fraud-h2', replicas: 2, currentReplicas: 3, readyReplicas: 2 }];

function plan(over: Partial<RolloutPlan> = {}): RolloutPlan {
  return {
    revisions: [],
    remove: [],
    routing: {},
    status: { stableRevision: { revision: 2, version: '2', hash: 'h2' } },
    state: { phase: 'Complete' },
    events: [],
    consumed: [],
    totals: { replicas: 2, readyReplicas: 2, servingReadyReplicas: 2 },
    ...over,
  };
}

describe('buildStatus', () => {
  test('takes the rollout fields from the plan and drops the ones it left out', () => {
    const s = buildStatus({ md, spec, plan: plan(), observed, now: t0 });
    assert.equal(s.stableRevision?.hash, 'h2');
    assert.equal(s.canaryRevision, undefined);
    assert.equal(s.observedGeneration, 5);
  });

  test('reports what /scale and people need: pods across revisions, ready pods, selector, url', () => {
    const s = buildStatus({ md, spec, plan: plan(), observed, now: t0 });
    assert.equal(s.replicas, 3);
    assert.equal(s.readyReplicas, 2);
    assert.equal(s.selector, 'app.kubernetes.io/name=modelship-runtime,modelship.io/deployment=fraud');
    assert.equal(s.url, 'http://fraud.ml.svc.cluster.local');
    assert.equal(kstatusOf({ metadata: md.metadata, status: s }).status, 'Current');
  });

  test('is unchanged on a second pass over the same world, even later: no needless write', () => {
    const first = buildStatus({ md, spec, plan: plan(), observed, now: t0 });
    const again = buildStatus({ md: { ...md, status: first }, spec, plan: plan(), observed, now: t1 });
    assert.equal(statusChanged(first, again), false);
  });

  test('reports a rollback as Stalled and Degraded for kstatus', () => {
    const s = buildStatus({ md, spec, plan: plan({ state: { phase: 'RolledBack', reason: 'AnalysisFailed', message: 'error rate 20%' } }), observed, now: t0 });
    assert.equal(kstatusOf({ metadata: md.metadata, status: s }).status, 'Failed');
    assert.equal(s.conditions?.find((c) => c.type === 'Degraded')?.reason, 'AnalysisFailed');
  });

  test('is InProgress while a canary step runs', () => {
    const s = buildStatus({ md, spec, plan: plan({ state: { phase: 'Progressing', reason: 'CanaryStep', message: 'step 1/2' } }), observed, now: t0 });
    assert.equal(kstatusOf({ metadata: md.metadata, status: s }).status, 'InProgress');
  });

  test('reports a terminal problem as Stalled', () => {
    const s = buildStatus({ md, spec, plan: plan(), observed, now: t0, error: { reason: 'ChildConflict', message: 'Service fraud already exists', terminal: true } });
    const stalled = s.conditions?.find((c) => c.type === 'Stalled');
    assert.equal(stalled?.status, 'True');
    assert.equal(stalled?.reason, 'ChildConflict');
  });
});

describe('buildStatus before a shrink', () => {
  const retiring = { revision: 1, version: '1', hash: 'h1', scaleDownTime: '2026-05-01T11:59:30Z' };
  const before = { ...md, status: { ...md.status, canaryRevision: undefined, retiringRevision: retiring } };
  const bothUp = [
    { hash: 'h1', name: 'fraud-h1', version: '1', replicas: 2, currentReplicas: 2, readyReplicas: 2 },
    { hash: 'h2', name: 'fraud-h2', version: '2', replicas: 2, currentReplicas: 2, readyReplicas: 2 },
  ];

  test('keeps the retiring revision and is not Ready while its Deployment is still to be scaled down', () => {
    const s = buildStatus({ md: before, spec, plan: plan(), observed: bothUp, shrinking: [{ hash: 'h1', replicas: 0 }], now: t0 });
    assert.equal(s.retiringRevision?.hash, 'h1');
    assert.equal(kstatusOf({ metadata: md.metadata, status: s }).status, 'InProgress');
    assert.match(s.conditions?.find((c) => c.type === 'Reconciling')?.message ?? '', /version 1 \(2 → 0 replicas\)/);
  });

  test('drops it and says Ready once a pass observes the Deployment scaled down', () => {
    const scaled = [{ ...bothUp[0]!, replicas: 0 }, bothUp[1]!];
    const s = buildStatus({ md: before, spec, plan: plan(), observed: scaled, shrinking: [], now: t1 });
    assert.equal(s.retiringRevision, undefined);
    assert.equal(kstatusOf({ metadata: md.metadata, status: s }).status, 'Current');
  });
});
