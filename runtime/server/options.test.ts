import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FIXTURES } from '../fixtures/paths.ts';
import { postJson, startReady } from '../test-support/runtime-process.ts';
import type { RuntimeProcess } from '../test-support/runtime-process.ts';

const ROW = [0.038, 0.051, 0.062, 0.022, -0.044, -0.035, -0.043, -0.003, 0.02, -0.018];
const ONE_ROW = { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 10], data: ROW }] };

async function metric(base: string, pattern: RegExp): Promise<number | undefined> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const match = pattern.exec(text);
  return match === null ? undefined : Number(match[1]);
}

async function waitForMetric(base: string, pattern: RegExp, atLeast: number): Promise<void> {
  for (;;) {
    if (((await metric(base, pattern)) ?? 0) >= atLeast) return;
    await sleep(20);
  }
}

describe('request limits', () => {
  let runtime: RuntimeProcess;
  before(async () => {
    runtime = await startReady([
      FIXTURES.linearRegression,
      '--name',
      'diabetes',
      '--max-body-bytes',
      '400',
      '--max-queue-size',
      '2',
      '--max-batch-size',
      '64',
      '--max-queue-delay-ms',
      '4000',
    ]);
  });
  after(async () => {
    await runtime?.stop();
  });

  test('a body over --max-body-bytes gets 413', async () => {
    const big = { inputs: [{ name: 'input', datatype: 'FP32', shape: [8, 10], data: Array(80).fill(0.123456) }] };
    const response = await postJson(`${runtime.baseUrl}/v2/models/diabetes/infer`, big);
    assert.equal(response.status, 413);
    assert.match(response.body.error, /exceeds 400 bytes/);
  });

  test('a full queue answers 429 at once, and the queued requests still complete', async () => {
    // The queue delay holds the first two requests (their batch is not full), so the queue is full for the third.
    const queued = [postJson(`${runtime.baseUrl}/v2/models/diabetes/infer`, ONE_ROW), postJson(`${runtime.baseUrl}/v2/models/diabetes/infer`, ONE_ROW)];
    await waitForMetric(runtime.baseUrl, /^modelship_queue_depth\{[^}]*\} (\d+)/m, 2);
    const rejected = await postJson(`${runtime.baseUrl}/v2/models/diabetes/infer`, ONE_ROW);
    assert.equal(rejected.status, 429);
    assert.match(rejected.body.error, /queue is full/);
    for (const response of await Promise.all(queued)) assert.equal(response.status, 200);
  });
});

describe('bearer-token auth', () => {
  let runtime: RuntimeProcess;
  let scratch: string;
  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'modelship-auth-'));
    writeFileSync(join(scratch, 'token'), 's3cret-token\n');
    runtime = await startReady([FIXTURES.linearRegression, '--name', 'diabetes', '--auth-token-file', join(scratch, 'token')]);
  });
  after(async () => {
    await runtime?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  test('inference without the right token answers 401 and asks for a bearer token', async () => {
    const missing = await fetch(`${runtime.baseUrl}/v2/models/diabetes/infer`, { method: 'POST', body: JSON.stringify(ONE_ROW) });
    assert.equal(missing.status, 401);
    assert.equal(missing.headers.get('www-authenticate'), 'Bearer');
    const wrong = await postJson(`${runtime.baseUrl}/v1/models/diabetes:predict`, { instances: [ROW] }, { authorization: 'Bearer nope' });
    assert.equal(wrong.status, 401);
    assert.equal((await fetch(`${runtime.baseUrl}/v2/models/diabetes`)).status, 401);
  });

  test('inference with the token works, and probes and metrics need none', async () => {
    const ok = await postJson(`${runtime.baseUrl}/v2/models/diabetes/infer`, ONE_ROW, { authorization: 'Bearer s3cret-token' });
    assert.equal(ok.status, 200);
    assert.equal((await fetch(`${runtime.baseUrl}/v2/health/ready`)).status, 200);
    assert.equal((await fetch(`${runtime.baseUrl}/metrics`)).status, 200);
  });
});

describe('fault injection and configuration from the environment', () => {
  let runtime: RuntimeProcess;
  before(async () => {
    runtime = await startReady([], {
      MODELSHIP_MODEL: FIXTURES.linearRegression,
      MODELSHIP_NAME: 'chaos',
      MODELSHIP_MODEL_VERSION: '7',
      MODELSHIP_INJECT_ERROR_RATE: '1',
    });
  });
  after(async () => {
    await runtime?.stop();
  });

  test('MODELSHIP_* variables set the flags', async () => {
    const metadata = (await (await fetch(`${runtime.baseUrl}/v2/models/chaos`)).json()) as { versions: string[] };
    assert.deepEqual(metadata.versions, ['7']);
  });

  test('--inject-error-rate 1 fails every inference with 500 "injected failure", counted like any 5xx', async () => {
    const v2 = await postJson(`${runtime.baseUrl}/v2/models/chaos/infer`, ONE_ROW);
    assert.equal(v2.status, 500);
    assert.deepEqual(v2.body, { error: 'injected failure' });
    const v1 = await postJson(`${runtime.baseUrl}/v1/models/chaos:predict`, { instances: [ROW] });
    assert.equal(v1.status, 500);
    const counted = await metric(runtime.baseUrl, /^modelship_requests_total\{model="chaos",version="7",protocol="v2",code="500"\} (\d+)/m);
    assert.ok((counted ?? 0) >= 1);
    assert.equal((await fetch(`${runtime.baseUrl}/v2/health/ready`)).status, 200);
  });
});

describe('execution providers', () => {
  test('asking for CUDA serves anyway: on CUDA when present, else on CPU with a warning', async () => {
    const runtime = await startReady([FIXTURES.linearRegression, '--execution-provider', 'cuda']);
    try {
      await runtime.waitForOutput(/"msg":"model ready"/);
      const output = runtime.output();
      assert.ok(/CUDA execution provider unavailable, using CPU/.test(output) || /"executionProvider":"cuda"/.test(output), output);
      assert.equal((await postJson(`${runtime.baseUrl}/v2/models/linear_regression/infer`, ONE_ROW)).status, 200);
    } finally {
      await runtime.stop();
    }
  });
});
