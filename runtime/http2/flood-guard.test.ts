import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { FloodGuard } from './flood-guard.ts';

test('a flood guard allows its burst, refuses beyond it, and refills at its rate up to the burst', async () => {
  const guard = new FloodGuard(10, 100);
  for (let i = 0; i < 10; i++) assert.equal(guard.take(1), true, `token ${i + 1} of the burst`);
  assert.equal(guard.take(1), false);
  // 100 a second: 60 ms give back about 6 tokens (the refused one above still counts against them).
  await sleep(60);
  assert.equal(guard.take(4), true);
  assert.equal(guard.take(20), false);
  // However long the client waits, no more than the burst is saved up.
  await sleep(300);
  assert.equal(guard.take(10), true);
  assert.equal(guard.take(1), false);
});
