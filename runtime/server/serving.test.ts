import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FIXTURES } from '../fixtures/paths.ts';
import { postJson, startReady } from '../test-support/runtime-process.ts';
import type { RuntimeProcess } from '../test-support/runtime-process.ts';

// Two iris flowers: a setosa (class 0) and a virginica (class 2).
const SETOSA = [5.1, 3.5, 1.4, 0.2];
const VIRGINICA = [6.7, 3.0, 5.2, 2.3];

function inferBody(data: unknown, shape = [2, 4], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { inputs: [{ name: 'input', datatype: 'FP32', shape, data }], ...extra };
}

function binaryRequest(header: unknown, binary: Uint8Array): { body: Buffer; headers: Record<string, string> } {
  const json = Buffer.from(JSON.stringify(header));
  return {
    body: Buffer.concat([json, binary]),
    headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(json.length) },
  };
}

async function postRaw(url: string, body: Buffer, headers: Record<string, string>): Promise<Response> {
  return fetch(url, { method: 'POST', body, headers });
}

function assertNoStackTrace(body: unknown): void {
  assert.doesNotMatch(JSON.stringify(body), /\s+at \S+ \(|node:internal|\.ts:\d+/);
}

describe('serving a logistic regression over OIP v2 and V1', () => {
  let runtime: RuntimeProcess;
  let base: string;

  before(async () => {
    runtime = await startReady([FIXTURES.logisticRegression, '--name', 'iris', '--model-version', '3']);
    base = runtime.baseUrl;
  });
  after(async () => {
    await runtime?.stop();
  });

  test("GET /v2 names the server and its extensions: binary tensors, Triton's model configuration and statistics", async () => {
    const body = (await (await fetch(`${base}/v2`)).json()) as Record<string, unknown>;
    assert.equal(body.name, 'modelship-runtime');
    assert.equal(typeof body.version, 'string');
    assert.deepEqual(body.extensions, ['binary_tensor_data', 'model_configuration', 'statistics']);
  });

  test('liveness and readiness answer 200 once the model is loaded', async () => {
    assert.equal((await fetch(`${base}/v2/health/live`)).status, 200);
    const ready = await fetch(`${base}/v2/health/ready`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { ready: true });
  });

  test('model metadata gives OIP datatypes and -1 for dynamic dimensions, with or without the version', async () => {
    const expected = {
      name: 'iris',
      versions: ['3'],
      platform: 'onnxruntime_onnx',
      inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 4] }],
      outputs: [
        { name: 'label', datatype: 'INT64', shape: [-1] },
        { name: 'probabilities', datatype: 'FP32', shape: [-1, 3] },
      ],
    };
    assert.deepEqual(await (await fetch(`${base}/v2/models/iris`)).json(), expected);
    assert.deepEqual(await (await fetch(`${base}/v2/models/iris/versions/3`)).json(), expected);
  });

  test('model ready answers 200 for the served version and 404 for another', async () => {
    assert.deepEqual(await (await fetch(`${base}/v2/models/iris/ready`)).json(), { name: 'iris', ready: true });
    assert.equal((await fetch(`${base}/v2/models/iris/versions/3/ready`)).status, 200);
    const other = await fetch(`${base}/v2/models/iris/versions/4/ready`);
    assert.equal(other.status, 404);
    assert.match(((await other.json()) as { error: string }).error, /no version '4'/);
  });

  test('infer takes flat data and returns every output', async () => {
    const { status, body } = await postJson(`${base}/v2/models/iris/infer`, inferBody([...SETOSA, ...VIRGINICA]));
    assert.equal(status, 200);
    assert.equal(body.model_name, 'iris');
    assert.equal(body.model_version, '3');
    const [label, probabilities] = body.outputs;
    assert.deepEqual(label, { name: 'label', datatype: 'INT64', shape: [2], data: [0, 2] });
    assert.equal(probabilities.name, 'probabilities');
    assert.deepEqual(probabilities.shape, [2, 3]);
    const firstRowSum = probabilities.data.slice(0, 3).reduce((sum: number, value: number) => sum + value, 0);
    assert.ok(Math.abs(firstRowSum - 1) < 1e-4);
  });

  test('infer reads nested data exactly like flat data', async () => {
    const flat = await postJson(`${base}/v2/models/iris/infer`, inferBody([...SETOSA, ...VIRGINICA]));
    const nested = await postJson(`${base}/v2/models/iris/infer`, inferBody([SETOSA, VIRGINICA]));
    assert.equal(nested.status, 200);
    assert.deepEqual(nested.body.outputs, flat.body.outputs);
  });

  test('infer echoes the request id and returns only the outputs asked for', async () => {
    const { status, body } = await postJson(
      `${base}/v2/models/iris/infer`,
      inferBody([SETOSA], [1, 4], { id: 'req-42', outputs: [{ name: 'probabilities' }] }),
    );
    assert.equal(status, 200);
    assert.equal(body.id, 'req-42');
    assert.deepEqual(
      body.outputs.map((output: { name: string }) => output.name),
      ['probabilities'],
    );
  });

  test('infer works through /versions/{v} and answers 404 for a version not served', async () => {
    assert.equal((await postJson(`${base}/v2/models/iris/versions/3/infer`, inferBody([SETOSA], [1, 4]))).status, 200);
    const wrong = await postJson(`${base}/v2/models/iris/versions/9/infer`, inferBody([SETOSA], [1, 4]));
    assert.equal(wrong.status, 404);
    assert.match(wrong.body.error, /no version '9'/);
  });

  test('binary tensor input and binary outputs round-trip', async () => {
    const pixels = new Float32Array([...SETOSA, ...VIRGINICA]);
    const request = binaryRequest(
      {
        inputs: [{ name: 'input', datatype: 'FP32', shape: [2, 4], parameters: { binary_data_size: pixels.byteLength } }],
        parameters: { binary_data_output: true },
      },
      new Uint8Array(pixels.buffer),
    );
    const response = await postRaw(`${base}/v2/models/iris/infer`, request.body, request.headers);
    assert.equal(response.status, 200);
    const headerLength = Number(response.headers.get('inference-header-content-length'));
    const bytes = Buffer.from(await response.arrayBuffer());
    const header = JSON.parse(bytes.subarray(0, headerLength).toString());
    assert.deepEqual(
      header.outputs.map((output: { name: string; parameters: { binary_data_size: number } }) => [output.name, output.parameters.binary_data_size]),
      [
        ['label', 16],
        ['probabilities', 24],
      ],
    );
    const binary = bytes.subarray(headerLength);
    const labels = new BigInt64Array(binary.buffer.slice(binary.byteOffset, binary.byteOffset + 16));
    assert.deepEqual([...labels], [0n, 2n]);
    const probabilities = new Float32Array(binary.buffer.slice(binary.byteOffset + 16, binary.byteOffset + 40));
    assert.ok(probabilities[0]! > 0.5 && probabilities[5]! > 0.5);
  });

  test('binary output can be asked for one output while the others stay JSON', async () => {
    const { status, body } = await postJson(
      `${base}/v2/models/iris/infer`,
      inferBody([SETOSA], [1, 4], { outputs: [{ name: 'label' }, { name: 'probabilities', parameters: { binary_data: true } }] }),
    );
    // A binary answer is not JSON as a whole, so the helper hands back the text.
    assert.equal(status, 200);
    assert.equal(typeof body, 'string');
    assert.match(body, /"name":"label","datatype":"INT64","shape":\[1\],"data":\[0\]/);
    assert.match(body, /"binary_data_size":12/);
  });

  const badRequests: [string, unknown, RegExp][] = [
    ['malformed JSON', '{"inputs": [', /malformed JSON/],
    ['a body that is not an object', '[1, 2]', /must be a JSON object/],
    ['no inputs', {}, /inputs must be a non-empty array/],
    ['a wrong datatype', { inputs: [{ name: 'input', datatype: 'INT32', shape: [1, 4], data: [1, 2, 3, 4] }] }, /datatype INT32, the model expects FP32/],
    ['an unknown datatype', { inputs: [{ name: 'input', datatype: 'FLOAT', shape: [1, 4], data: [1, 2, 3, 4] }] }, /not a protocol datatype/],
    ['a wrong shape', inferBody([1, 2, 3, 4, 5], [1, 5]), /shape \[1, 5\], the model expects \[-1, 4\]/],
    ['a negative dimension', inferBody([1, 2, 3, 4], [-1, 4]), /non-negative integers/],
    ['non-numeric data', inferBody([1, 2, 'three', 4], [1, 4]), /"three" is not a valid FP32 value/],
    ['too few elements for the shape', inferBody([1, 2, 3], [1, 4]), /needs 4 elements, data has 3/],
    ['an unknown input name', { inputs: [{ name: 'pixels', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] }] }, /unknown input 'pixels'/],
    ['the same input twice', { inputs: [inferBody([1, 2, 3, 4], [1, 4]).inputs, inferBody([1, 2, 3, 4], [1, 4]).inputs].flat() }, /appears twice/],
    ['an unknown requested output', inferBody([SETOSA], [1, 4], { outputs: [{ name: 'score' }] }), /unknown output 'score'/],
    ['an empty batch', inferBody([], [0, 4]), /batch dimension must be at least 1/],
  ];
  for (const [what, body, message] of badRequests) {
    test(`infer answers 400 for ${what}`, async () => {
      const response = await postJson(`${base}/v2/models/iris/infer`, body);
      assert.equal(response.status, 400);
      assert.match(response.body.error, message);
      assertNoStackTrace(response.body);
    });
  }

  test('infer answers 400 when Inference-Header-Content-Length does not fit the body', async () => {
    const response = await postRaw(`${base}/v2/models/iris/infer`, Buffer.from('{}'), { 'inference-header-content-length': '99' });
    assert.equal(response.status, 400);
    assert.match(((await response.json()) as { error: string }).error, /does not fit/);
  });

  test('infer answers 400 when binary data is shorter than the tensor needs', async () => {
    const request = binaryRequest(
      { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], parameters: { binary_data_size: 8 } }] },
      new Uint8Array(8),
    );
    const response = await postRaw(`${base}/v2/models/iris/infer`, request.body, request.headers);
    assert.equal(response.status, 400);
    assert.match(((await response.json()) as { error: string }).error, /needs 16 bytes, binary data has 8/);
  });

  test('unknown models and unknown routes answer 404 with an error body', async () => {
    const model = await postJson(`${base}/v2/models/fraud/infer`, inferBody([SETOSA], [1, 4]));
    assert.equal(model.status, 404);
    assert.match(model.body.error, /unknown model 'fraud'/);
    assert.equal((await fetch(`${base}/v2/models/fraud`)).status, 404);
    const route = await fetch(`${base}/v3/anything`);
    assert.equal(route.status, 404);
    assert.match(((await route.json()) as { error: string }).error, /no route for GET \/v3\/anything/);
  });

  test('V1 predict turns instances into predictions, one per row', async () => {
    const { status, body } = await postJson(`${base}/v1/models/iris:predict`, { instances: [SETOSA, VIRGINICA] });
    assert.equal(status, 200);
    assert.equal(body.predictions.length, 2);
    assert.equal(body.predictions[0].label, 0);
    assert.equal(body.predictions[1].label, 2);
    assert.equal(body.predictions[0].probabilities.length, 3);
  });

  test('V1 predict accepts columnar inputs and instances keyed by input name', async () => {
    const columnar = await postJson(`${base}/v1/models/iris:predict`, { inputs: [SETOSA, VIRGINICA] });
    const byName = await postJson(`${base}/v1/models/iris:predict`, { inputs: { input: [SETOSA, VIRGINICA] } });
    const named = await postJson(`${base}/v1/models/iris:predict`, { instances: [{ input: SETOSA }, { input: VIRGINICA }] });
    for (const response of [columnar, byName, named]) {
      assert.equal(response.status, 200);
      assert.deepEqual(
        response.body.predictions.map((prediction: { label: number }) => prediction.label),
        [0, 2],
      );
    }
  });

  test('V1 predict answers 400 for ragged instances, both formats at once, and wrong widths', async () => {
    const ragged = await postJson(`${base}/v1/models/iris:predict`, { instances: [SETOSA, [1, 2, 3]] });
    assert.equal(ragged.status, 400);
    assert.match(ragged.body.error, /ragged/);
    const both = await postJson(`${base}/v1/models/iris:predict`, { instances: [SETOSA], inputs: [SETOSA] });
    assert.equal(both.status, 400);
    const narrow = await postJson(`${base}/v1/models/iris:predict`, { instances: [[1, 2, 3]] });
    assert.equal(narrow.status, 400);
    assert.match(narrow.body.error, /expects \[-1, 4\]/);
    const unknownModel = await postJson(`${base}/v1/models/fraud:predict`, { instances: [SETOSA] });
    assert.equal(unknownModel.status, 404);
  });

  test('GET /v1/models/{name} reports the model ready', async () => {
    assert.deepEqual(await (await fetch(`${base}/v1/models/iris`)).json(), { name: 'iris', ready: true });
  });

  test('the runtime serves its own OpenAPI document', async () => {
    const document = (await (await fetch(`${base}/openapi.json`)).json()) as { openapi: string; paths: Record<string, unknown> };
    assert.equal(document.openapi, '3.1.0');
    assert.ok(document.paths['/v2/models/{model}/infer']);
    assert.ok(document.paths['/v1/models/{model}:predict']);
  });

  test('nothing a client sends stops the process', async () => {
    const hostile: [string, Buffer, Record<string, string>, number][] = [
      ['empty body', Buffer.alloc(0), {}, 400],
      ['binary garbage', Buffer.from([0xff, 0xfe, 0x00, 0x7b]), {}, 400],
      ['deep nesting', Buffer.from(`${'['.repeat(5000)}${']'.repeat(5000)}`), {}, 400],
      ['a negative header length', Buffer.from('{}'), { 'inference-header-content-length': '-5' }, 400],
    ];
    for (const [, body, headers, status] of hostile) {
      for (const path of ['/v2/models/iris/infer', '/v1/models/iris:predict']) {
        const response = await postRaw(`${base}${path}`, body, { 'content-type': 'application/json', ...headers });
        assert.equal(response.status, status, `${path} with ${body.subarray(0, 20).toString()}`);
        assertNoStackTrace(await response.json());
      }
    }
    // A shape of a billion rows is refused by the row limit, before anything is allocated.
    const huge = await postRaw(`${base}/v2/models/iris/infer`, Buffer.from(JSON.stringify(inferBody([1], [1e9, 4]))), { 'content-type': 'application/json' });
    assert.equal(huge.status, 413);
    assert.match(((await huge.json()) as { error: string }).error, /1000000000 rows; the most one request may carry is 1024/);
    assert.equal((await fetch(`${base}/v2/health/live`)).status, 200);
    assert.equal(runtime.child.exitCode, null);
  });

  test('metrics carry the contract names, labelled with model, version, protocol and code', async () => {
    await postJson(`${base}/v2/models/iris/infer`, inferBody([SETOSA], [1, 4]));
    await postJson(`${base}/v1/models/iris:predict`, { instances: [SETOSA] });
    const text = await (await fetch(`${base}/metrics`)).text();
    for (const name of [
      'modelship_requests_total',
      'modelship_rejected_requests_total',
      'modelship_request_duration_seconds',
      'modelship_queue_duration_seconds',
      'modelship_inference_duration_seconds',
      'modelship_batch_size',
      'modelship_inflight_requests',
      'modelship_queue_depth',
      'modelship_model_load_seconds',
      'modelship_model_ready',
      'process_resident_memory_bytes',
    ]) {
      assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'), name);
    }
    assert.match(text, /^modelship_requests_total\{model="iris",version="3",protocol="v2",code="200"\} [1-9]/m);
    assert.match(text, /^modelship_requests_total\{model="iris",version="3",protocol="v1",code="200"\} [1-9]/m);
    // Bad requests (earlier tests sent many) never reached the model: counted apart from what analysis judges.
    assert.match(text, /^modelship_rejected_requests_total\{model="iris",version="3",code="400"\} [1-9]/m);
    assert.doesNotMatch(text, /^modelship_requests_total\{[^}]*code="4\d\d"\}/m);
    assert.match(text, /^modelship_model_ready\{model="iris",version="3"\} 1$/m);
  });
});
