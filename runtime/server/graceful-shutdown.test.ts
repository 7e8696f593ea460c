import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { FIXTURES } from '../fixtures/paths.ts';
import { postJson, startReady } from '../test-support/runtime-process.ts';

test('SIGTERM drains every request already received, then exits 0', async () => {
  // A long queue delay keeps the requests waiting inside the runtime when the signal arrives.
  const runtime = await startReady([FIXTURES.linearRegression, '--name', 'diabetes', '--max-batch-size', '64', '--max-queue-delay-ms', '2000']);
  const base = runtime.baseUrl;
  const callers = 6;
  const answers = Array.from({ length: callers }, (_, caller) =>
    postJson(`${base}/v2/models/diabetes/infer`, {
      id: String(caller),
      inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 10], data: Array(10).fill(caller / 100) }],
    }),
  );
  for (;;) {
    const text = await (await fetch(`${base}/metrics`)).text();
    if (Number(/^modelship_inflight_requests\{[^}]*\} (\d+)/m.exec(text)?.[1]) >= callers) break;
    await sleep(20);
  }

  runtime.child.kill('SIGTERM');
  const results = await Promise.all(answers);
  for (const [caller, result] of results.entries()) {
    assert.equal(result.status, 200);
    assert.equal(result.body.id, String(caller));
  }
  assert.equal(await runtime.exited, 0);
  assert.match(runtime.output(), /"msg":"shutting down: draining in-flight requests"/);
  assert.match(runtime.output(), /"msg":"stopped"/);
});
