import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KUBELET_CRASH_BACKOFF, RestartBackoff } from './backoff.ts';

test('the first restart is immediate, then 10s doubling up to 5 minutes', () => {
  const backoff = new RestartBackoff(KUBELET_CRASH_BACKOFF);
  const delays = Array.from({ length: 8 }, () => backoff.nextDelay(1000));
  assert.deepEqual(delays, [0, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]);
});

test('a container that ran long enough starts over', () => {
  const backoff = new RestartBackoff(KUBELET_CRASH_BACKOFF);
  backoff.nextDelay(1000);
  backoff.nextDelay(1000);
  assert.equal(backoff.nextDelay(10 * 60_000), 0);
});
