import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FIXTURES } from '../fixtures/paths.ts';
import { postJson, startReady } from '../test-support/runtime-process.ts';
import type { RuntimeProcess } from '../test-support/runtime-process.ts';
import { rawExchange } from '../test-support/raw-http.ts';

// What a hostile or careless client can do to the runtime, and what it must not achieve (issue 11).

const ROW = Array(10).fill(0.01);

function infer(rows: number): Record<string, unknown> {
  return { inputs: [{ name: 'input', datatype: 'FP32', shape: [rows, 10], data: Array(rows * 10).fill(0.01) }] };
}

/** The sum of a metric's samples whose label set matches `labels` (a substring of the braces' content). */
function metricSum(text: string, name: string, labels = ''): number {
  let sum = 0;
  for (const match of text.matchAll(new RegExp(`^${name}\\{([^}]*)\\} (\\S+)$`, 'gm'))) {
    if (match[1]!.includes(labels)) sum += Number(match[2]);
  }
  return sum;
}

describe('a runtime behind a bearer token, failing every request that reaches the model', () => {
  let runtime: RuntimeProcess;
  let base: string;
  let scratch: string;
  const auth = { authorization: 'Bearer s3cret' };

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'modelship-hostile-'));
    writeFileSync(join(scratch, 'token'), 's3cret\n');
    runtime = await startReady([
      FIXTURES.linearRegression, '--name', 'diabetes', '--auth-token-file', join(scratch, 'token'), '--inject-error-rate', '1',
    ]);
    base = runtime.baseUrl;
  });
  after(async () => {
    await runtime?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  test('only requests that reached the model are judged; unauthenticated, unroutable and bad ones are counted apart', async () => {
    const url = `${base}/v2/models/diabetes/infer`;
    for (let i = 0; i < 10; i++) assert.equal((await postJson(url, infer(1), auth)).status, 500);
    for (let i = 0; i < 50; i++) assert.equal((await postJson(url, infer(1))).status, 401);
    for (let i = 0; i < 20; i++) assert.equal((await postJson(`${base}/v2/models/other/infer`, infer(1), auth)).status, 404);
    for (let i = 0; i < 10; i++) assert.equal((await postJson(url, '{"inputs": [', auth)).status, 400);
    for (let i = 0; i < 5; i++) assert.equal((await fetch(`${base}/v2/nowhere`)).status, 404);

    const text = await (await fetch(`${base}/metrics`)).text();
    // On a canary with --inject-error-rate 1 the error rate the analysis reads stays 100%.
    assert.equal(metricSum(text, 'modelship_requests_total'), 10);
    assert.equal(metricSum(text, 'modelship_requests_total', 'code="500"'), 10);
    assert.equal(metricSum(text, 'modelship_request_duration_seconds_count'), 10);
    assert.equal(metricSum(text, 'modelship_rejected_requests_total', 'code="401"'), 50);
    assert.equal(metricSum(text, 'modelship_rejected_requests_total', 'code="404"'), 25);
    assert.equal(metricSum(text, 'modelship_rejected_requests_total', 'code="400"'), 10);
  });
});

describe('a runtime facing oversized, deep and out-of-range requests', () => {
  let runtime: RuntimeProcess;
  let base: string;

  before(async () => {
    runtime = await startReady([FIXTURES.linearRegression, '--name', 'diabetes']);
    base = runtime.baseUrl;
  });
  after(async () => {
    await runtime?.stop();
  });

  test('a request over the row limit (16 batches of 32 by default, at least 1024) gets 413 naming the limit', async () => {
    const v2 = await postJson(`${base}/v2/models/diabetes/infer`, infer(1025));
    assert.equal(v2.status, 413);
    assert.match(v2.body.error, /input 'input' has 1025 rows; the most one request may carry is 1024 \(--max-request-rows\)/);
    const v1 = await postJson(`${base}/v1/models/diabetes:predict`, { instances: Array(1025).fill(ROW) });
    assert.equal(v1.status, 413);
    assert.match(v1.body.error, /1025 rows; the most one request may carry is 1024/);
    assert.equal((await postJson(`${base}/v1/models/diabetes:predict`, { instances: Array(1024).fill(ROW) })).status, 200);
  });

  test('a body over 1 MiB within the limits (decoded on the decode thread) is answered like the same request small', async () => {
    const rows = Array.from({ length: 1024 }, (_, row) => ROW.map((value, column) => value * (row + column)));
    const small = await postJson(`${base}/v1/models/diabetes:predict`, { instances: rows });
    const padded = `${JSON.stringify({ instances: rows })}${' '.repeat(2 * 1024 * 1024)}`;
    const large = await postJson(`${base}/v1/models/diabetes:predict`, padded);
    assert.equal(large.status, 200, JSON.stringify(large.body).slice(0, 300));
    assert.deepEqual(large.body, small.body);
    const v2 = await postJson(`${base}/v2/models/diabetes/infer`, `${JSON.stringify(infer(3))}${' '.repeat(2 * 1024 * 1024)}`);
    assert.equal(v2.status, 200);
    assert.equal(v2.body.outputs[0].shape[0], 3);
  });

  test('a 60 MiB body of millions of rows is refused after a few MiB, while it is still being sent', async () => {
    const rows = Buffer.from(`${JSON.stringify(ROW)},`.repeat(4096));
    const total = 60 * 1024 * 1024;
    let sent = 0;
    const answer = await rawExchange(
      base,
      `POST /v1/models/diabetes:predict HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${total}`,
      () => {
        const chunk = sent === 0 ? Buffer.concat([Buffer.from('{"instances":['), rows]) : rows;
        if (sent + chunk.length > total) return undefined;
        sent += chunk.length;
        return chunk;
      },
    );
    assert.equal(answer.status, 413, answer.text.slice(0, 300));
    assert.match(answer.text, /more than 1024 rows; the most one request may carry is 1024 \(--max-request-rows\)/);
    assert.ok(answer.bytesSent < 20 * 1024 * 1024, `the runtime read ${answer.bytesSent} bytes before answering`);
    // A close right after the answer, with the client's bytes unread, resets the connection, and a reset
    // can reach the client before it reads the answer: the runtime lingers instead (about a second).
    assert.ok(answer.closedAfterMs >= 500, `the connection closed ${answer.closedAfterMs.toFixed(0)} ms after the answer`);
    assert.equal((await fetch(`${base}/v2/health/live`)).status, 200);
  });

  test('instances nested 7,000 deep in a 14 kB body get 400, not a stack overflow', async () => {
    const body = `{"instances":${'['.repeat(7000)}0.5${']'.repeat(7000)}}`;
    const answer = await postJson(`${base}/v1/models/diabetes:predict`, body);
    assert.equal(answer.status, 400, JSON.stringify(answer.body));
    assert.match(answer.body.error, /nested more than 32 levels deep/);
  });

  test('BYTES sent for an FP32 input is refused by its datatype, before its data is decoded', async () => {
    const header = Buffer.from(JSON.stringify({ inputs: [{ name: 'input', datatype: 'BYTES', shape: [1, 10], parameters: { binary_data_size: 8 } }] }));
    const response = await fetch(`${base}/v2/models/diabetes/infer`, {
      method: 'POST',
      body: Buffer.concat([header, Buffer.alloc(8)]),
      headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(header.length) },
    });
    assert.equal(response.status, 400);
    assert.match(((await response.json()) as { error: string }).error, /has datatype BYTES, the model expects FP32/);
  });

  /**
   * Sends the head of a large binary-extension request, its JSON header and the first 64 KiB of tensor data,
   * then nothing more: only a runtime that checks the header as soon as it has arrived answers (the rest of
   * the body would never come; the race bounds the wait of one that does not).
   */
  async function sendBinaryHeaderOnly(header: unknown, bodyBytes: number): Promise<{ status: number; text: string; bytesSent: number }> {
    const json = Buffer.from(JSON.stringify(header));
    const chunks = [json, Buffer.alloc(64 * 1024)];
    const head =
      `POST /v2/models/diabetes/infer HTTP/1.1\r\nhost: x\r\ncontent-type: application/octet-stream\r\n` +
      `inference-header-content-length: ${json.length}\r\ncontent-length: ${bodyBytes}`;
    const unanswered = { status: 0, text: 'no answer within 10 s while the body was incomplete', bytesSent: 0 };
    return Promise.race([rawExchange(base, head, () => chunks.shift()), sleep(10_000).then(() => unanswered)]);
  }

  test('a large binary body whose header names the wrong datatype is refused before the rest of it arrives', async () => {
    const header = { inputs: [{ name: 'input', datatype: 'BYTES', shape: [1, 10], parameters: { binary_data_size: 40 * 1024 * 1024 } }] };
    const answer = await sendBinaryHeaderOnly(header, 40 * 1024 * 1024 + JSON.stringify(header).length);
    assert.equal(answer.status, 400, answer.text.slice(0, 300));
    assert.match(answer.text, /input 'input' has datatype BYTES, the model expects FP32/);
  });

  test('a large binary body whose header shape is over the row limit gets 413 before the rest of it arrives', async () => {
    const size = 110_000 * 10 * 4;
    const header = { inputs: [{ name: 'input', datatype: 'FP32', shape: [110_000, 10], parameters: { binary_data_size: size } }] };
    const answer = await sendBinaryHeaderOnly(header, size + JSON.stringify(header).length);
    assert.equal(answer.status, 413, answer.text.slice(0, 300));
    assert.match(answer.text, /input 'input' has 110000 rows; the most one request may carry is 1024 \(--max-request-rows\)/);
  });

  test('a large binary body whose header sizes do not add up to its length is refused before the rest of it arrives', async () => {
    const header = { inputs: [{ name: 'input', datatype: 'FP32', shape: [1000, 10], parameters: { binary_data_size: 40_000 } }] };
    const bodyBytes = 48 * 1024 * 1024;
    const answer = await sendBinaryHeaderOnly(header, bodyBytes);
    assert.equal(answer.status, 400, answer.text.slice(0, 300));
    assert.match(answer.text, new RegExp(`${bodyBytes - JSON.stringify(header).length - 40_000} bytes of binary data are not claimed by any input`));
    const wrongSize = { inputs: [{ name: 'input', datatype: 'FP32', shape: [1000, 10], parameters: { binary_data_size: bodyBytes } }] };
    const sized = await sendBinaryHeaderOnly(wrongSize, bodyBytes + JSON.stringify(wrongSize).length);
    assert.equal(sized.status, 400, sized.text.slice(0, 300));
    assert.match(sized.text, /shape \[1000, 10\] of FP32 needs 40000 bytes, binary data has 50331648/);
  });

  test('FP32 values beyond its range get 400 instead of becoming Infinity', async () => {
    const answer = await postJson(`${base}/v2/models/diabetes/infer`, {
      inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 10], data: [1e39, ...ROW.slice(1)] }],
    });
    assert.equal(answer.status, 400);
    assert.match(answer.body.error, /1e\+39 is out of range for FP32/);
  });

  test('a known path asked with the wrong method gets 405 and Allow', async () => {
    const get = await fetch(`${base}/v2/models/diabetes/infer`);
    assert.equal(get.status, 405);
    assert.equal(get.headers.get('allow'), 'POST');
    const predict = await fetch(`${base}/v1/models/diabetes:predict`);
    assert.equal(predict.status, 405);
    const post = await fetch(`${base}/v2/health/live`, { method: 'POST' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD');
    assert.match(((await post.json()) as { error: string }).error, /POST is not allowed on \/v2\/health\/live/);
  });
});
