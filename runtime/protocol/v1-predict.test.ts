import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeV1Predictions, parseV1PredictRequest } from './v1-predict.ts';
import type { ModelSignature } from '../model/signature.ts';
import { DEFAULT_MAX_ELEMENTS } from './request-limits.ts';

const LIMITS = { maxRows: 1024, maxElements: DEFAULT_MAX_ELEMENTS };

const ONE_INPUT: ModelSignature = {
  inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 2] }],
  outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 1] }],
};
const TWO_INPUTS: ModelSignature = {
  inputs: [
    { name: 'a', datatype: 'FP32', shape: [-1, 2] },
    { name: 'b', datatype: 'INT64', shape: [-1] },
  ],
  outputs: [
    { name: 'label', datatype: 'INT64', shape: [-1] },
    { name: 'scores', datatype: 'FP32', shape: [-1, 2] },
  ],
};

const body = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

test('instances become one tensor whose leading dimension is the instance count', () => {
  const inputs = parseV1PredictRequest(body({ instances: [[1, 2], [3, 4], [5, 6]] }), ONE_INPUT, LIMITS);
  assert.deepEqual(inputs.x!.shape, [3, 2]);
  assert.equal(inputs.x!.datatype, 'FP32');
});

test('named instances and columnar inputs feed multi-input models', () => {
  const named = parseV1PredictRequest(body({ instances: [{ a: [1, 2], b: 7 }, { a: [3, 4], b: 8 }] }), TWO_INPUTS, LIMITS);
  assert.deepEqual(named.a!.shape, [2, 2]);
  assert.deepEqual(named.b, { datatype: 'INT64', shape: [2], data: new BigInt64Array([7n, 8n]) });
  const columnar = parseV1PredictRequest(body({ inputs: { a: [[1, 2], [3, 4]], b: [7, 8] } }), TWO_INPUTS, LIMITS);
  assert.deepEqual(columnar, named);
});

test('requests that cannot be read say why', () => {
  assert.throws(() => parseV1PredictRequest(body({}), ONE_INPUT, LIMITS), /exactly one of "instances" or "inputs"/);
  assert.throws(() => parseV1PredictRequest(body({ instances: [] }), ONE_INPUT, LIMITS), /non-empty array/);
  assert.throws(() => parseV1PredictRequest(body({ instances: [[1, 2], [3]] }), ONE_INPUT, LIMITS), /ragged/);
  assert.throws(() => parseV1PredictRequest(body({ instances: [[1, 2], [3, [4]]] }), ONE_INPUT, LIMITS), /ragged/);
  assert.throws(() => parseV1PredictRequest(body({ instances: [[1, 2]] }), TWO_INPUTS, LIMITS), /2 inputs; send objects keyed by input name/);
  assert.throws(() => parseV1PredictRequest(body({ instances: [{ a: [1, 2] }] }), TWO_INPUTS, LIMITS), /lacks input 'b'/);
  assert.throws(() => parseV1PredictRequest(body({ inputs: { a: [[1, 2]], b: [1], c: [1] } }), TWO_INPUTS, LIMITS), /unknown input 'c'/);
});

test('predictions hold one row per instance: the value itself, or an object when there are several outputs', () => {
  const single = encodeV1Predictions({ y: { datatype: 'FP32', shape: [2, 1], data: new Float32Array([0.5, 1.5]) } }, ONE_INPUT);
  assert.deepEqual(JSON.parse(single), { predictions: [[0.5], [1.5]] });
  const multi = encodeV1Predictions(
    {
      label: { datatype: 'INT64', shape: [2], data: new BigInt64Array([1n, 0n]) },
      scores: { datatype: 'FP32', shape: [2, 2], data: new Float32Array([0.25, 0.75, 1, 0]) },
    },
    TWO_INPUTS,
  );
  assert.deepEqual(JSON.parse(multi), {
    predictions: [
      { label: 1, scores: [0.25, 0.75] },
      { label: 0, scores: [1, 0] },
    ],
  });
});

test('instances nested thousands deep get a 400 naming the depth, never a stack overflow', () => {
  // 7,000 levels in about 14 kB: before the depth bound, the rectangularity check overflowed the stack (500).
  const deep = Buffer.from(`{"instances":${'['.repeat(7000)}1${']'.repeat(7000)}}`);
  assert.ok(deep.length < 15_000);
  assert.throws(
    () => parseV1PredictRequest(deep, ONE_INPUT, LIMITS),
    (error: unknown) => (error as { status?: number }).status === 400 && /nested more than 32 levels/.test((error as Error).message),
  );
});

test('a request over the row or element limit gets 413 naming the limit, before its data is read', () => {
  const rows = Array.from({ length: 1025 }, () => [1, 2]);
  assert.throws(
    () => parseV1PredictRequest(body({ instances: rows }), ONE_INPUT, LIMITS),
    (error: unknown) => (error as { status?: number }).status === 413 && /1025 rows; the most one request may carry is 1024/.test((error as Error).message),
  );
  assert.throws(
    () => parseV1PredictRequest(body({ inputs: [[1, 2], [3, 4]] }), ONE_INPUT, { maxRows: 10, maxElements: 3 }),
    /4 elements; the most one request may carry is 3 \(--max-request-elements\)/,
  );
  assert.equal(parseV1PredictRequest(body({ instances: rows.slice(1) }), ONE_INPUT, LIMITS).x!.shape[0], 1024);
});

test('FP32 values beyond its range are refused, not turned into Infinity', () => {
  assert.throws(() => parseV1PredictRequest(body({ instances: [[1e39, 2]] }), ONE_INPUT, LIMITS), /1e\+39 is out of range for FP32/);
  assert.throws(() => parseV1PredictRequest(Buffer.from('{"instances":[[1e400,2]]}'), ONE_INPUT, LIMITS), /Infinity is out of range for FP32/);
  assert.equal(parseV1PredictRequest(body({ instances: [[3.4e38, -3.4e38]] }), ONE_INPUT, LIMITS).x!.shape[0], 1);
});
