import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  asReason,
  computeConditions,
  conditionsEqual,
  findCondition,
  kstatusOf,
  removeCondition,
  setCondition,
  summarize,
} from './conditions.ts';
import type { StatusObservation } from './conditions.ts';
import type { Condition } from '../api/types.ts';

const t0 = new Date('2026-01-01T00:00:00.000Z');
const t1 = new Date('2026-01-01T00:05:00.000Z');

const steady: StatusObservation = { generation: 4, desiredReplicas: 2, readyReplicas: 2, available: true, rollout: { phase: 'Complete' } };

function statusOf(conditions: Condition[], type: string): string | undefined {
  return findCondition(conditions, type)?.status;
}

/** The kstatus verdict a tool would compute for an object carrying `conditions` at `generation`. */
function verdict(conditions: Condition[], generation = 4) {
  return kstatusOf({ metadata: { generation }, status: { observedGeneration: generation, conditions } }).status;
}

test('setCondition stamps a new condition with now and the observed generation', () => {
  const [c] = setCondition(undefined, { type: 'Ready', status: 'False', reason: 'Starting', message: 'hi' }, 7, t0);
  assert.deepEqual(c, { type: 'Ready', status: 'False', observedGeneration: 7, lastTransitionTime: '2026-01-01T00:00:00Z', reason: 'Starting', message: 'hi' });
});

test('lastTransitionTime stays when only the reason or message changes', () => {
  const first = setCondition([], { type: 'Ready', status: 'False', reason: 'A', message: 'a' }, 1, t0);
  const second = setCondition(first, { type: 'Ready', status: 'False', reason: 'B', message: 'b' }, 2, t1);
  assert.equal(second[0]?.lastTransitionTime, '2026-01-01T00:00:00Z');
  assert.equal(second[0]?.reason, 'B');
  assert.equal(second[0]?.observedGeneration, 2);
});

test('lastTransitionTime moves when the status changes', () => {
  const first = setCondition([], { type: 'Ready', status: 'False', reason: 'A', message: '' }, 1, t0);
  const second = setCondition(first, { type: 'Ready', status: 'True', reason: 'Ready', message: '' }, 1, t1);
  assert.equal(second[0]?.lastTransitionTime, '2026-01-01T00:05:00Z');
});

test('setCondition and removeCondition leave their input untouched and keep order', () => {
  const input = setCondition(setCondition([], { type: 'A', status: 'True', reason: 'R', message: '' }, 1, t0), { type: 'B', status: 'True', reason: 'R', message: '' }, 1, t0);
  const frozen = structuredClone(input);
  const updated = setCondition(input, { type: 'A', status: 'False', reason: 'R', message: '' }, 1, t1);
  assert.deepEqual(input, frozen);
  assert.deepEqual(updated.map((c) => c.type), ['A', 'B']);
  assert.deepEqual(removeCondition(input, 'A').map((c) => c.type), ['B']);
  assert.deepEqual(input, frozen);
});

test('a steady ModelDeployment is Ready and Available, with no Reconciling or Stalled condition', () => {
  const conditions = computeConditions([], steady, t0);
  assert.equal(statusOf(conditions, 'Ready'), 'True');
  assert.equal(statusOf(conditions, 'Available'), 'True');
  assert.equal(statusOf(conditions, 'Progressing'), 'False');
  assert.equal(statusOf(conditions, 'Degraded'), 'False');
  assert.equal(findCondition(conditions, 'Reconciling'), undefined);
  assert.equal(findCondition(conditions, 'Stalled'), undefined);
  assert.equal(verdict(conditions), 'Current');
});

test('recomputing an unchanged observation changes nothing, so the reconcile can skip the status write', () => {
  const first = computeConditions([], steady, t0);
  const again = computeConditions(first, steady, t1);
  assert.ok(conditionsEqual(first, again));
});

test('a rollout in progress is Reconciling and not Ready', () => {
  const conditions = computeConditions([], { ...steady, rollout: { phase: 'Progressing', reason: 'CanaryStep', message: 'step 1 of 4: weight 10' } }, t0);
  assert.equal(statusOf(conditions, 'Reconciling'), 'True');
  assert.equal(findCondition(conditions, 'Reconciling')?.reason, 'CanaryStep');
  assert.equal(statusOf(conditions, 'Ready'), 'False');
  assert.equal(statusOf(conditions, 'Progressing'), 'True');
  assert.equal(findCondition(conditions, 'Stalled'), undefined);
  assert.equal(verdict(conditions), 'InProgress');
});

test('a rollout paused for promotion stays InProgress, not Failed', () => {
  const conditions = computeConditions([], { ...steady, rollout: { phase: 'Paused', reason: 'RolloutPaused', message: 'waiting for modelship.io/promote' } }, t0);
  assert.equal(statusOf(conditions, 'Reconciling'), 'True');
  assert.equal(statusOf(conditions, 'Progressing'), 'True');
  assert.equal(findCondition(conditions, 'Progressing')?.reason, 'RolloutPaused');
  assert.equal(verdict(conditions), 'InProgress');
});

test('a rolled-back rollout is Stalled and Degraded while the stable revision stays Available', () => {
  const conditions = computeConditions([], { ...steady, rollout: { phase: 'RolledBack', reason: 'AnalysisFailed', message: 'error rate 0.2 > 0.01' } }, t0);
  assert.equal(statusOf(conditions, 'Stalled'), 'True');
  assert.equal(findCondition(conditions, 'Stalled')?.reason, 'AnalysisFailed');
  assert.equal(statusOf(conditions, 'Degraded'), 'True');
  assert.equal(statusOf(conditions, 'Available'), 'True');
  assert.equal(statusOf(conditions, 'Progressing'), 'False');
  assert.equal(statusOf(conditions, 'Ready'), 'False');
  assert.equal(findCondition(conditions, 'Reconciling'), undefined);
  assert.equal(verdict(conditions), 'Failed');
});

test('a first version that never becomes available is Stalled and not Available', () => {
  const conditions = computeConditions(
    [],
    { generation: 1, desiredReplicas: 2, readyReplicas: 0, available: false, rollout: { phase: 'Failed', reason: 'ProgressDeadlineExceeded', message: 'no pod became ready in 600s' } },
    t0,
  );
  assert.equal(statusOf(conditions, 'Stalled'), 'True');
  assert.equal(statusOf(conditions, 'Available'), 'False');
  assert.equal(verdict(conditions, 1), 'Failed');
});

test('missing replicas at steady state are Reconciling with WaitingForReplicas', () => {
  const conditions = computeConditions([], { ...steady, desiredReplicas: 3, readyReplicas: 2 }, t0);
  assert.equal(findCondition(conditions, 'Reconciling')?.reason, 'WaitingForReplicas');
  assert.match(findCondition(conditions, 'Ready')?.message ?? '', /2\/3 replicas ready/);
  assert.equal(verdict(conditions), 'InProgress');
});

test('scaled to zero is Ready but not Available', () => {
  const conditions = computeConditions([], { ...steady, desiredReplicas: 0, readyReplicas: 0, available: false }, t0);
  assert.equal(statusOf(conditions, 'Ready'), 'True');
  assert.equal(findCondition(conditions, 'Available')?.reason, 'ScaledToZero');
});

test('a transient error is retried as Reconciling; a terminal one is Stalled and Degraded', () => {
  const transient = computeConditions([], { ...steady, error: { reason: 'ApplyFailed', message: 'connection refused', terminal: false } }, t0);
  assert.equal(findCondition(transient, 'Reconciling')?.reason, 'ApplyFailed');
  assert.equal(findCondition(transient, 'Stalled'), undefined);
  assert.equal(verdict(transient), 'InProgress');

  const terminal = computeConditions([], { ...steady, error: { reason: 'InvalidSpec', message: 'Deployment rejected', terminal: true } }, t0);
  assert.equal(findCondition(terminal, 'Stalled')?.reason, 'InvalidSpec');
  assert.equal(statusOf(terminal, 'Degraded'), 'True');
  assert.equal(findCondition(terminal, 'Reconciling'), undefined);
  assert.equal(verdict(terminal), 'Failed');
});

test('Reconciling and Stalled are removed once the problem clears, and never appear together', () => {
  const stalled = computeConditions([], { ...steady, rollout: { phase: 'RolledBack', reason: 'AnalysisFailed', message: '' } }, t0);
  const rolling = computeConditions(stalled, { ...steady, generation: 5, rollout: { phase: 'Progressing', reason: 'RollingUpdate', message: '' } }, t1);
  assert.equal(findCondition(rolling, 'Stalled'), undefined);
  assert.equal(statusOf(rolling, 'Reconciling'), 'True');
  const done = computeConditions(rolling, { ...steady, generation: 5 }, t1);
  assert.equal(findCondition(done, 'Reconciling'), undefined);
  assert.equal(findCondition(done, 'Stalled'), undefined);
  for (const updates of [summarize(steady), summarize({ ...steady, rollout: { phase: 'Failed', reason: 'X', message: '' } })]) {
    const trueOnes = updates.filter((u) => (u.type === 'Reconciling' || u.type === 'Stalled') && u.status === 'True');
    assert.ok(trueOnes.length <= 1);
  }
});

test('every condition records the generation it was computed from', () => {
  const conditions = computeConditions([], { ...steady, generation: 9 }, t0);
  assert.equal(conditions.length, 4);
  for (const c of conditions) assert.equal(c.observedGeneration, 9);
});

test('conditions of other types are kept as they are', () => {
  const foreign: Condition = { type: 'example.com/Audited', status: 'True', lastTransitionTime: '2025-01-01T00:00:00Z', reason: 'Checked', message: '' };
  const conditions = computeConditions([foreign], steady, t0);
  assert.deepEqual(findCondition(conditions, 'example.com/Audited'), foreign);
});

test('kstatus reads an unobserved generation as InProgress whatever the conditions say', () => {
  const conditions = computeConditions([], steady, t0);
  const result = kstatusOf({ metadata: { generation: 5 }, status: { observedGeneration: 4, conditions } });
  assert.equal(result.status, 'InProgress');
  assert.match(result.message, /generation is 5/);
});

test('kstatus reads an object being deleted as Terminating, even when its last status said Ready', () => {
  const conditions = computeConditions([], steady, t0);
  const ready = { metadata: { generation: 3 }, status: { observedGeneration: 3, conditions } };
  assert.equal(kstatusOf(ready).status, 'Current');
  const deleting = { ...ready, metadata: { ...ready.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } };
  assert.deepEqual(kstatusOf(deleting), { status: 'Terminating', message: 'Resource scheduled for deletion' });
});

test('a reason the API server would refuse is cleaned up rather than failing the status write', () => {
  assert.equal(asReason('Rollout-Failed: bad model'), 'RolloutFailed:badmodel');
  assert.equal(asReason('42Gone'), 'Gone');
  assert.equal(asReason('!!!'), 'Unknown');
  const [c] = setCondition([], { type: 'Ready', status: 'False', reason: 'Deadline exceeded', message: '' }, 1, t0);
  assert.match(c?.reason ?? '', /^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/);
});

test('a complete rollout whose old revision is still being scaled down is InProgress, not Ready', () => {
  const conditions = computeConditions([], { ...steady, scalingDown: 'version 1 (2 → 0 replicas)' }, t0);
  assert.equal(statusOf(conditions, 'Ready'), 'False');
  assert.equal(findCondition(conditions, 'Reconciling')?.reason, 'ScalingDown');
  assert.match(findCondition(conditions, 'Reconciling')?.message ?? '', /version 1 \(2 → 0 replicas\)/);
  assert.equal(verdict(conditions), 'InProgress');
});
