import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sleep } from './sleep.ts';

test('sleep resolves early when its signal aborts', async () => {
  const ac = new AbortController();
  const started = Date.now();
  const p = sleep(10_000, ac.signal);
  ac.abort();
  await p;
  assert.ok(Date.now() - started < 1000);
});
