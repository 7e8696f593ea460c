import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { EventRecorder } from './recorder.ts';

function setup() {
  const calls: Array<{ op: string; path: string; body: Record<string, unknown> }> = [];
  let now = 1_000_000;
  const client = {
    create: async <T>(path: string, body: unknown) => (calls.push({ op: 'create', path, body: body as Record<string, unknown> }), {} as T),
    mergePatch: async <T>(path: string, body: unknown) => (calls.push({ op: 'patch', path, body: body as Record<string, unknown> }), {} as T),
  };
  const recorder = new EventRecorder({ client, log: pino({ level: 'silent' }), instance: 'op-1', now: () => now });
  const md = { apiVersion: 'modelship.io/v1alpha1', kind: 'ModelDeployment', metadata: { name: 'fraud', namespace: 'ml', uid: 'u1' } };
  return { calls, recorder, md, advance: (ms: number) => (now += ms) };
}

const flush = () => new Promise((r) => setImmediate(r));

test('an event is an events.k8s.io/v1 Event about the ModelDeployment', async () => {
  const { calls, recorder, md } = setup();
  recorder.event(md, 'Normal', 'RolloutStarted', 'Rollout', 'rolling out version 2');
  await flush();
  assert.equal(calls.length, 1);
  const e = calls[0]!.body;
  assert.equal(calls[0]!.path, '/apis/events.k8s.io/v1/namespaces/ml/events');
  assert.equal(e.reason, 'RolloutStarted');
  assert.equal(e.note, 'rolling out version 2');
  assert.equal(e.type, 'Normal');
  assert.equal(e.reportingController, 'modelship.io/operator');
  assert.deepEqual(e.regarding, { apiVersion: 'modelship.io/v1alpha1', kind: 'ModelDeployment', name: 'fraud', namespace: 'ml', uid: 'u1' });
  assert.match(String(e.eventTime), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
});

test('repeats are aggregated into a series, written at most every 30 s', async () => {
  const { calls, recorder, md, advance } = setup();
  for (let i = 0; i < 10; i++) {
    recorder.event(md, 'Warning', 'ReconcileError', 'Reconcile', 'API down');
    advance(1000);
  }
  await flush();
  assert.deepEqual(calls.map((c) => c.op), ['create']);
  advance(30_000);
  recorder.event(md, 'Warning', 'ReconcileError', 'Reconcile', 'API down');
  await flush();
  assert.deepEqual(calls.map((c) => c.op), ['create', 'patch']);
  assert.equal((calls[1]!.body.series as { count: number }).count, 11);
});

test('a different message, or the same one after the window, is a new Event', async () => {
  const { calls, recorder, md, advance } = setup();
  recorder.event(md, 'Warning', 'ReconcileError', 'Reconcile', 'a');
  recorder.event(md, 'Warning', 'ReconcileError', 'Reconcile', 'b');
  advance(11 * 60_000);
  recorder.event(md, 'Warning', 'ReconcileError', 'Reconcile', 'a');
  await flush();
  assert.deepEqual(calls.map((c) => c.op), ['create', 'create', 'create']);
});
