import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LargeBodyGate } from './large-body-gate.ts';

const MiB = 1024 * 1024;

test('bodies are admitted while they fit the budget, the rest in order as earlier ones are released', async () => {
  const gate = new LargeBodyGate(64 * MiB);
  const admitted: string[] = [];
  const first = await gate.admit(40 * MiB);
  const second = gate.admit(40 * MiB).then((release) => (admitted.push('second'), release));
  const third = gate.admit(10 * MiB).then((release) => (admitted.push('third'), release));
  await new Promise((resolve) => setImmediate(resolve));
  // The third would fit, but does not pass the second, which came first.
  assert.deepEqual(admitted, []);
  assert.equal(gate.waiting, 2);
  first();
  first();
  const releaseSecond = await second;
  const releaseThird = await third;
  assert.deepEqual(admitted, ['second', 'third']);
  assert.equal(gate.admittedBytes, 50 * MiB);
  releaseSecond();
  releaseThird();
  assert.equal(gate.admittedBytes, 0);
});

test('a body larger than the whole budget is admitted alone', async () => {
  const gate = new LargeBodyGate(64 * MiB);
  const huge = await gate.admit(100 * MiB);
  assert.equal(gate.admittedBytes, 64 * MiB);
  let small = false;
  const next = gate.admit(1).then((release) => ((small = true), release));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(small, false);
  huge();
  (await next)();
  assert.equal(small, true);
  assert.equal(gate.admittedBytes, 0);
});
