import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withRetries } from './retry.ts';
import { FetchError } from './fetch-error.ts';

const policy = { retries: 3, baseDelayMs: 1, maxDelayMs: 4 };

test('retryable failures are retried until an attempt succeeds', async () => {
  const delays: number[] = [];
  const result = await withRetries(
    policy,
    async (attempt) => {
      if (attempt < 3) throw new FetchError('busy', true);
      return attempt;
    },
    (_error, delayMs) => delays.push(delayMs),
  );
  assert.equal(result, 3);
  assert.equal(delays.length, 2);
});

test('a non-retryable failure ends at once', async () => {
  let attempts = 0;
  await assert.rejects(
    withRetries(policy, async () => {
      attempts++;
      throw new FetchError('404', false);
    }, () => {}),
    /404/,
  );
  assert.equal(attempts, 1);
});

test('retries run out after the configured number, with delays growing up to the cap', async () => {
  const delays: number[] = [];
  await assert.rejects(
    withRetries({ retries: 4, baseDelayMs: 2, maxDelayMs: 6 }, async () => {
      throw new Error('socket hang up');
    }, (_error, delayMs) => delays.push(delayMs)),
    /socket hang up/,
  );
  assert.equal(delays.length, 4);
  for (const delay of delays) assert.ok(delay <= 6);
});
