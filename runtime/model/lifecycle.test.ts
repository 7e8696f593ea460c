import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { FIXTURES } from '../fixtures/paths.ts';
import { postJson, startReady, startServe, waitUntilSettled } from '../test-support/runtime-process.ts';

const ONE_ROW = { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 10], data: Array(10).fill(0.01) }] };

/** Starts a runtime that will not become ready and checks every place that must say why. */
async function assertNotReadyBecause(args: string[], reason: RegExp): Promise<void> {
  const runtime = await startServe([...args, '--name', 'broken']);
  try {
    const ready = await waitUntilSettled(runtime.baseUrl);
    assert.equal(ready.status, 503);
    assert.equal(ready.body.ready, false);
    assert.match(String(ready.body.reason), reason);

    const modelReady = await fetch(`${runtime.baseUrl}/v2/models/broken/ready`);
    assert.equal(modelReady.status, 503);
    assert.match(String(((await modelReady.json()) as { reason: string }).reason), reason);

    const infer = await postJson(`${runtime.baseUrl}/v2/models/broken/infer`, ONE_ROW);
    assert.equal(infer.status, 503);
    assert.match(infer.body.error, reason);

    assert.equal((await fetch(`${runtime.baseUrl}/v2/health/live`)).status, 200, 'a model that cannot load is not a reason to restart');
    assert.match(await (await fetch(`${runtime.baseUrl}/metrics`)).text(), /^modelship_model_ready\{[^}]*\} 0$/m);
    await runtime.waitForOutput(/"msg":"model failed to load"/);
    assert.match(runtime.output(), reason);
  } finally {
    await runtime.stop();
  }
}

describe('model lifecycle', () => {
  let scratch: string;
  before(() => {
    scratch = mkdtempSync(join(tmpdir(), 'modelship-lifecycle-'));
  });
  after(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  test('a missing model file keeps the runtime alive, not ready, saying why', async () => {
    await assertNotReadyBecause([join(scratch, 'absent.onnx')], /cannot read model file: ENOENT/);
  });

  test('a checksum mismatch is reported and the model never serves', async () => {
    await assertNotReadyBecause([FIXTURES.linearRegression, '--sha256', '0'.repeat(64)], /checksum mismatch: expected sha256 0{64}, got [0-9a-f]{64}/);
  });

  test('a corrupt model file is reported as such', async () => {
    const corrupt = join(scratch, 'corrupt.onnx');
    writeFileSync(corrupt, Buffer.from('this is not a protobuf, just some bytes \u0000\u0001\u0002'));
    await assertNotReadyBecause([corrupt], /onnxruntime cannot load the model/);
  });

  test('an operator onnxruntime does not implement is named in the reason', async () => {
    await assertNotReadyBecause([FIXTURES.unsupportedOp], /Frobnicate/);
  });

  test('the right sha256 (any case, optional sha256: prefix) serves the model', async () => {
    const digest = createHash('sha256').update(readFileSync(FIXTURES.linearRegression)).digest('hex');
    const runtime = await startReady([FIXTURES.linearRegression, '--sha256', `sha256:${digest.toUpperCase()}`]);
    try {
      assert.equal((await postJson(`${runtime.baseUrl}/v2/models/linear_regression/infer`, ONE_ROW)).status, 200);
      assert.match(await (await fetch(`${runtime.baseUrl}/metrics`)).text(), /^modelship_model_load_seconds\{[^}]*\} \d/m);
    } finally {
      await runtime.stop();
    }
  });

  test('invalid flags fail at once with one line and exit code 2', () => {
    const main = fileURLToPath(new URL('../main.ts', import.meta.url));
    const result = spawnSync(process.execPath, [main, 'serve', FIXTURES.linearRegression, '--inject-error-rate', '2'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /must be a number from 0 to 1/);
    assert.doesNotMatch(result.stderr, /\n\s+at /);
    const noModel = spawnSync(process.execPath, [main, 'serve'], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, MODELSHIP_MODEL: '' } });
    assert.equal(noModel.status, 2);
    assert.match(noModel.stderr, /a model file is required/);
    // A malformed digest is a usage error like any other, for serve and for fetch (it was exit 1 for fetch).
    for (const command of [['serve', FIXTURES.linearRegression], ['fetch', '--uri', 'file:///nowhere.onnx', '--dest', '/nonexistent/model.onnx']]) {
      const digest = spawnSync(process.execPath, [main, ...command, '--sha256', 'not-a-digest'], { encoding: 'utf8', timeout: 60_000 });
      assert.equal(digest.status, 2, `${command[0]}: ${digest.stderr}`);
      assert.match(digest.stderr, /'not-a-digest' is not a sha256 digest \(64 hex digits\)/);
    }
  });
});
