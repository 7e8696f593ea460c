import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ModelSignature } from '../model/signature.ts';
import { allocateNumeric } from '../tensor/datatypes.ts';
import type { Datatype, Tensor } from '../tensor/datatypes.ts';
import { encodeV1Predictions } from './v1-predict.ts';
import { encodeV1PredictionsBytes } from './v1-predictions-bytes.ts';

// Large answers are written as text row by row; they must be the very bytes JSON.stringify gives small ones.

const DATATYPES: Datatype[] = ['FP32', 'FP64', 'FP16', 'BOOL', 'INT8', 'UINT8', 'INT32', 'UINT32', 'INT64', 'UINT64', 'BYTES'];
const SPECIAL = [0, -0, 0.1, -1.5, 1e21, 1e-7, 65504, 3.4e38, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 2 ** 53 + 2];

function tensorOf(datatype: Datatype, shape: number[], seeds: number[]): Tensor {
  const count = shape.reduce((product, dim) => product * dim, 1);
  const seed = (i: number): number => seeds[i % Math.max(1, seeds.length)] ?? 0;
  if (datatype === 'BYTES') return { datatype, shape, data: Array.from({ length: count }, (_, i) => `s"\\\n${seed(i)}é`) };
  const data = allocateNumeric(datatype, count);
  for (let i = 0; i < count; i++) {
    const value = seed(i);
    if (data instanceof BigInt64Array || data instanceof BigUint64Array) data[i] = BigInt(Number.isFinite(value) ? Math.trunc(Math.abs(value) % 2 ** 40) : 7);
    else if (datatype === "FP16") data[i] = Number.isFinite(value) ? Math.trunc(Math.abs(value)) % 0x10000 : 0x7c00;
    else data[i] = value;
  }
  return { datatype, shape, data };
}

const output = fc.record({
  datatype: fc.constantFrom(...DATATYPES),
  rowShape: fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }),
  seeds: fc.array(fc.oneof(fc.double(), fc.integer(), fc.constantFrom(...SPECIAL)), { minLength: 1, maxLength: 8 }),
});

test('large V1 answers are the same bytes as JSON.stringify of the predictions', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 5000 }), fc.array(output, { minLength: 1, maxLength: 3 }), (rows, specs) => {
      const signature: ModelSignature = {
        inputs: [],
        outputs: specs.map((spec, index) => ({ name: index === 1 ? 'quoted "name"' : `out${index}`, datatype: spec.datatype, shape: [-1, ...spec.rowShape] })),
      };
      const outputs: Record<string, Tensor> = {};
      specs.forEach((spec, index) => {
        outputs[signature.outputs[index]!.name] = tensorOf(spec.datatype, [rows, ...spec.rowShape], spec.seeds);
      });
      assert.equal(encodeV1PredictionsBytes(outputs, signature).toString(), encodeV1Predictions(outputs, signature));
    }),
    { numRuns: 80 },
  );
});

test('outputs shorter than their rows are written as JSON.stringify writes them', () => {
  const signature: ModelSignature = {
    inputs: [],
    outputs: [
      { name: 'a', datatype: 'FP32', shape: [-1] },
      { name: 'b', datatype: 'FP32', shape: [-1] },
    ],
  };
  const outputs: Record<string, Tensor> = {
    a: { datatype: 'FP32', shape: [3], data: Float32Array.of(1, 2, 3) },
    b: { datatype: 'FP32', shape: [1], data: Float32Array.of(4) },
  };
  assert.equal(encodeV1PredictionsBytes(outputs, signature).toString(), encodeV1Predictions(outputs, signature));
  assert.throws(() => encodeV1PredictionsBytes({ a: outputs.a! }, signature), /no output 'b'/);
});
