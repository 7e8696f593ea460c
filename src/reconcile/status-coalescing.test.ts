import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModelDeploymentStatus } from '../api/types.ts';
import { mayDefer, StatusCoalescer } from './status-coalescing.ts';

type Conditions = NonNullable<ModelDeploymentStatus['conditions']>;
const cond = (type: string, status: 'True' | 'False'): Conditions[number] => ({ type, status, reason: 'R', message: '', lastTransitionTime: '2026-01-01T00:00:00Z' });
const candidate = { revision: 1, version: '1', hash: 'aaa', weight: 0, startTime: '2026-01-01T00:00:00Z' };
/** A first version coming up: 1 of 2 pods. */
const progress = (replicas = 1): ModelDeploymentStatus => ({
  observedGeneration: 1,
  canaryRevision: candidate,
  conditions: [cond('Ready', 'False'), cond('Reconciling', 'True')],
  replicas,
});
const base = { stored: { observedGeneration: 0 }, next: progress(), consumedAnnotations: false, since: 0, now: 0, windowMs: 30_000 };

describe('mayDefer', () => {
  test('holds back a first version\'s progress within the window, and not once the window is over', () => {
    assert.equal(mayDefer(base), true);
    assert.equal(mayDefer({ ...base, now: 29_999 }), true);
    assert.equal(mayDefer({ ...base, now: 30_000 }), false);
  });

  test('writes at once what a reader acts on: Ready, Stalled, a finished version, consumed annotations', () => {
    const ready = { ...progress(), conditions: [cond('Ready', 'True')] };
    assert.equal(mayDefer({ ...base, next: ready }), false);
    const stalled = { ...progress(), conditions: [cond('Ready', 'False'), cond('Stalled', 'True')] };
    assert.equal(mayDefer({ ...base, next: stalled }), false);
    const promoted = { ...progress(), canaryRevision: undefined, stableRevision: { revision: 1, version: '1', hash: 'aaa' } };
    assert.equal(mayDefer({ ...base, next: promoted }), false);
    assert.equal(mayDefer({ ...base, consumedAnnotations: true }), false);
  });

  test('never holds back a rollout after the first version, nor a first version superseded by another', () => {
    const stableStored = { stableRevision: { revision: 1, version: '1', hash: 'aaa' } };
    assert.equal(mayDefer({ ...base, stored: stableStored, next: { ...progress(), ...stableStored } }), false);
    const aborted = { ...progress(), history: [{ revision: 1, version: '1', hash: 'aaa', uri: 's3://m/1.onnx', outcome: 'Aborted' as const, reason: 'Superseded', time: '2026-01-01T00:00:00Z' }] };
    assert.equal(mayDefer({ ...base, next: aborted }), false);
    const other = { ...progress(), canaryRevision: { ...candidate, hash: 'bbb' } };
    assert.equal(mayDefer({ ...base, stored: progress(), next: other }), false);
  });
});

describe('StatusCoalescer', () => {
  test('plans from the held-back status until it is written; the window runs from the first hold', () => {
    let now = 1000;
    const c = new StatusCoalescer(30_000, () => now);
    const stored = { observedGeneration: 0 };
    assert.equal(c.hold('ns/a', stored, progress(0), false), 30_000);
    assert.deepEqual(c.statusFor('ns/a', stored), progress(0));
    now += 10_000;
    assert.equal(c.hold('ns/a', stored, progress(1), false), 20_000, 'the window is not restarted by a newer state');
    assert.deepEqual(c.statusFor('ns/a', stored), progress(1));
    now += 20_000;
    assert.equal(c.hold('ns/a', stored, progress(1), false), undefined, 'the window is over: write now');
    assert.equal(c.size, 0);
    assert.equal(c.statusFor('ns/a', stored), stored);
  });

  test('drops a held-back status once the stored one changes under it', () => {
    const c = new StatusCoalescer(30_000, () => 0);
    c.hold('ns/a', { observedGeneration: 0 }, progress(), false);
    const written = { observedGeneration: 1, conditions: [cond('Ready', 'True')] };
    assert.equal(c.statusFor('ns/a', written), written);
    assert.equal(c.size, 0);
  });

  test('keeps objects apart and forgets on request', () => {
    const c = new StatusCoalescer(30_000, () => 0);
    c.hold('ns/a', undefined, progress(), false);
    c.hold('ns/b', undefined, progress(2), false);
    assert.deepEqual(c.statusFor('ns/b', undefined), progress(2));
    c.forget('ns/b');
    assert.equal(c.statusFor('ns/b', undefined), undefined);
    assert.deepEqual(c.statusFor('ns/a', undefined), progress());
  });
});
