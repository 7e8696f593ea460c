import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FIXTURES } from '../fixtures/paths.ts';
import { startReady } from '../test-support/runtime-process.ts';
import type { RuntimeProcess } from '../test-support/runtime-process.ts';

// Property tests over both protocols and the binary extension: whatever a client sends, the runtime answers
// promptly and never with a 5xx (a 5xx would count against a canary). Requests are biased towards nearly
// valid ones, so that they get past JSON parsing into decoding, validation and inference. Bounded: a fixed
// number of runs, each with its own deadline.

const RUNS = 300;
const ANSWER_DEADLINE_MS = 5000;
const DATATYPES = ['BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64', 'BYTES'];

const scalar = fc.oneof(
  fc.double({ noNaN: true }),
  fc.integer(),
  fc.constantFrom(0, 1, -1, 1e39, -1e39, 65520, 2 ** 53, 0.5),
  fc.boolean(),
  fc.string({ maxLength: 8 }),
  fc.constant(null),
);
const { nested } = fc.letrec((tie) => ({
  nested: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, fc.array(tie('nested'), { maxLength: 6 })),
}));
const shape = fc.oneof(fc.array(fc.integer({ min: -2, max: 6 }), { maxLength: 4 }), fc.constant([1, 4]), fc.constant([2, 4]), fc.jsonValue());
const v2Input = fc.record(
  {
    name: fc.oneof(fc.constant('input'), fc.string({ maxLength: 6 })),
    datatype: fc.oneof(fc.constant('FP32'), fc.constantFrom(...DATATYPES), fc.string({ maxLength: 4 })),
    shape,
    data: fc.oneof(fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: 4, maxLength: 8 }), nested),
    parameters: fc.oneof(fc.record({ binary_data_size: fc.oneof(fc.integer({ min: -1, max: 64 }), fc.jsonValue()) }), fc.jsonValue()),
  },
  { requiredKeys: ['name', 'datatype', 'shape'] },
);
const v2Request = fc.record(
  {
    id: fc.oneof(fc.string({ maxLength: 8 }), fc.integer()),
    inputs: fc.oneof(fc.array(v2Input, { maxLength: 3 }), fc.jsonValue()),
    outputs: fc.array(
      fc.record({ name: fc.oneof(fc.constantFrom('label', 'probabilities'), fc.string({ maxLength: 4 })), parameters: fc.jsonValue() }, { requiredKeys: ['name'] }),
      { maxLength: 3 },
    ),
    parameters: fc.oneof(fc.record({ binary_data_output: fc.oneof(fc.boolean(), fc.jsonValue()) }), fc.jsonValue()),
  },
  { requiredKeys: [] },
);
const row = fc.oneof(fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: 4, maxLength: 4 }), nested);
const v1Request = fc.oneof(
  fc.record({ instances: fc.oneof(fc.array(row, { maxLength: 5 }), fc.array(fc.record({ input: row }), { maxLength: 3 }), nested) }),
  fc.record({ inputs: fc.oneof(fc.array(row, { maxLength: 5 }), fc.record({ input: fc.array(row, { maxLength: 3 }) }), nested) }),
  fc.record({ instances: nested, inputs: nested }, { requiredKeys: [] }),
);
/** The JSON text, or a mangled version of it: cut short, or with arbitrary text spliced in. */
function asBody(document: fc.Arbitrary<unknown>): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: document.map((value) => JSON.stringify(value) ?? 'null') },
    { weight: 1, arbitrary: fc.tuple(document, fc.nat()).map(([value, cut]) => { const text = JSON.stringify(value) ?? ''; return text.slice(0, cut % (text.length + 1)); }) },
    { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
  );
}

/** Lists nested up to thousands deep inside an otherwise valid document. */
const deeplyNested = fc.tuple(fc.constantFrom('instances', 'inputs'), fc.integer({ min: 1, max: 10_000 })).map(
  ([field, depth]) => `{"${field}":${'['.repeat(depth)}0.5${']'.repeat(depth)}}`,
);

describe('fuzzing the inference endpoints', () => {
  let runtime: RuntimeProcess;

  before(async () => {
    runtime = await startReady([FIXTURES.logisticRegression, '--name', 'iris']);
  });
  after(async () => {
    await runtime?.stop();
  });

  async function post(path: string, body: Uint8Array | string, headers: Record<string, string>): Promise<number> {
    const response = await fetch(`${runtime.baseUrl}${path}`, { method: 'POST', body, headers, signal: AbortSignal.timeout(ANSWER_DEADLINE_MS) });
    const text = await response.text();
    assert.ok(response.status < 500, `HTTP ${response.status} ${text.slice(0, 300)}`);
    return response.status;
  }

  const seen = new Set<number>();
  after(() => {
    // The generators reach past the parser: some requests succeed, others fail in decoding or validation.
    assert.ok(seen.has(200) && seen.has(400), `statuses seen: ${[...seen].join(', ')}`);
  });

  test('V2 JSON requests never get a 5xx or hang', async () => {
    await fc.assert(
      fc.asyncProperty(asBody(v2Request), async (body) => {
        seen.add(await post('/v2/models/iris/infer', body, { 'content-type': 'application/json' }));
      }),
      { numRuns: RUNS },
    );
  });

  test('V1 requests never get a 5xx or hang', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof({ weight: 5, arbitrary: asBody(v1Request) }, { weight: 1, arbitrary: deeplyNested }), async (body) => {
        seen.add(await post('/v1/models/iris:predict', body, { 'content-type': 'application/json' }));
      }),
      { numRuns: RUNS },
    );
  });

  test('binary-extension requests never get a 5xx or hang', async () => {
    const binary = fc.record({
      header: v2Request,
      bytes: fc.uint8Array({ maxLength: 96 }),
      length: fc.oneof(fc.constant('exact'), fc.integer({ min: -5, max: 400 }).map(String), fc.string({ maxLength: 5 })),
    });
    await fc.assert(
      fc.asyncProperty(binary, async ({ header, bytes, length }) => {
        const json = Buffer.from(JSON.stringify(header));
        const headerLength = length === 'exact' ? String(json.length) : length;
        const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
        // fetch refuses header values it cannot send; such a request never reaches the runtime at all.
        if (/^[\x21-\x7e]*$/.test(headerLength) && headerLength !== '') headers['inference-header-content-length'] = headerLength;
        seen.add(await post('/v2/models/iris/infer', Buffer.concat([json, bytes]), headers));
      }),
      { numRuns: RUNS },
    );
  });
});
