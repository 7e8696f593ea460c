import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import { buildPodStatus, ConditionClock } from './pod-status.ts';
import type { PodSnapshot } from './pod-status.ts';
import type { ContainerStatusRecord } from './status-types.ts';

const container = (ready: boolean): ContainerStatusRecord => ({
  name: 'app',
  image: 'x',
  imageID: 'x',
  ready,
  started: true,
  restartCount: 0,
  state: { running: { startedAt: '2026-01-01T00:00:00Z' } },
  lastState: {},
});

const scheduled = { type: 'PodScheduled', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' };

function snapshot(ready: boolean, extra: Partial<V1Pod['spec']> = {}): PodSnapshot {
  return {
    pod: { metadata: { name: 'p', generation: 1 }, spec: { containers: [], ...extra }, status: { conditions: [scheduled] } } as unknown as V1Pod,
    phase: 'Running',
    hostIP: '127.0.0.1',
    podIP: '127.0.1.2',
    startTime: '2026-01-01T00:00:00Z',
    sandboxReady: true,
    initialized: true,
    initContainers: [],
    containers: [container(ready)],
  };
}

const conditionOf = (status: ReturnType<typeof buildPodStatus>, type: string) => status.conditions.find((c) => c.type === type);

test('an unchanged pod yields an identical status (no spurious writes)', () => {
  const clock = new ConditionClock();
  const first = JSON.stringify(buildPodStatus(snapshot(true), clock));
  const second = JSON.stringify(buildPodStatus(snapshot(true), clock));
  assert.equal(second, first);
});

test('Ready follows the containers and keeps the scheduler\'s condition', () => {
  const clock = new ConditionClock();
  const notReady = buildPodStatus(snapshot(false), clock);
  assert.equal(conditionOf(notReady, 'Ready')?.status, 'False');
  assert.match(conditionOf(notReady, 'Ready')?.message ?? '', /unready status: \[app\]/);
  assert.equal(conditionOf(notReady, 'PodScheduled')?.status, 'True');
  const ready = buildPodStatus(snapshot(true), clock);
  assert.equal(conditionOf(ready, 'Ready')?.status, 'True');
  assert.equal(conditionOf(ready, 'ContainersReady')?.status, 'True');
});

test('a closed readiness gate holds Ready back', () => {
  const status = buildPodStatus(snapshot(true, { readinessGates: [{ conditionType: 'example.com/gate' }] }), new ConditionClock());
  assert.equal(conditionOf(status, 'ContainersReady')?.status, 'True');
  assert.equal(conditionOf(status, 'Ready')?.status, 'False');
  assert.equal(conditionOf(status, 'Ready')?.reason, 'ReadinessGatesNotReady');
});
