import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeV1Predictions, parseV1PredictRequest } from './v1-predict.ts';
import type { ModelSignature } from '../model/signature.ts';

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
  const inputs = parseV1PredictRequest(body({ instances: [[1, 2], [3, 4], [5, 6]] }), ONE_INPUT);
  assert.deepEqual(inputs.x!.shape, [3, 2]);
  assert.equal(inputs.x!.datatype, 'FP32');
});

test('named instances and columnar inputs feed multi-input models', () => {
  const named = parseV1PredictRequest(body({ instances: [{ a: [1, 2], b: 7 }, { a: [3, 4], b: 8 }] }), TWO_INPUTS);
  assert.deepEqual(named.a!.shape, [2, 2]);
  assert.deepEqual(named.b, { datatype: 'INT64', shape: [2], data: new BigInt64Array([7n, 8n]) });
  const columnar = parseV1PredictRequest(body({ inputs: { a: [[1, 2], [3, 4]], b: [7, 8] } }), TWO_INPUTS);
  assert.deepEqual(columnar, named);
});

test('requests that cannot be read say why', () => {
  assert.throws(() => parseV1PredictRequest(body({}), ONE_INPUT), /exactly one of "instances" or "inputs"/);
  assert.throws(() => parseV1PredictRequest(body({ instances: [] }), ONE_INPUT), /non-empty array/);
  assert.throws(() => parseV1PredictRequest(body({ instances: [[1, 2], [3]] }), ONE_INPUT), /ragged/);
  assert.throws(() => parseV1PredictRequest(body({ instances: [[1, 2], [3, [4]]] }), ONE_INPUT), /ragged/);
  assert.throws(() => parseV1PredictRequest(body({ instances: [[1, 2]] }), TWO_INPUTS), /2 inputs; send objects keyed by input name/);
  assert.throws(() => parseV1PredictRequest(body({ instances: [{ a: [1, 2] }] }), TWO_INPUTS), /lacks input 'b'/);
  assert.throws(() => parseV1PredictRequest(body({ inputs: { a: [[1, 2]], b: [1], c: [1] } }), TWO_INPUTS), /unknown input 'c'/);
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
