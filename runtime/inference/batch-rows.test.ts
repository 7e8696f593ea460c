import { test } from 'node:test';
import assert from 'node:assert/strict';
import { batchCompatibilityKey, concatenateRows, splitRows } from './batch-rows.ts';
import type { Tensor } from '../tensor/datatypes.ts';

function fp32(rows: number[][]): Tensor {
  return { datatype: 'FP32', shape: [rows.length, rows[0]!.length], data: Float32Array.from(rows.flat()) };
}

test('requests concatenate along the leading dimension in order', () => {
  const joined = concatenateRows([{ x: fp32([[1, 2]]) }, { x: fp32([[3, 4], [5, 6]]) }]);
  assert.deepEqual(joined.x!.shape, [3, 2]);
  assert.deepEqual([...(joined.x!.data as Float32Array)], [1, 2, 3, 4, 5, 6]);
});

test('BYTES inputs concatenate too', () => {
  const joined = concatenateRows([
    { s: { datatype: 'BYTES', shape: [1], data: ['a'] } },
    { s: { datatype: 'BYTES', shape: [2], data: ['b', 'c'] } },
  ]);
  assert.deepEqual(joined.s, { datatype: 'BYTES', shape: [3], data: ['a', 'b', 'c'] });
});

test('outputs split back so that each caller gets exactly its rows', () => {
  const outputs = { y: fp32([[10], [20], [30], [40], [50], [60]]), label: { datatype: 'INT64', shape: [6], data: new BigInt64Array([1n, 2n, 3n, 4n, 5n, 6n]) } as Tensor };
  const parts = splitRows(outputs, [1, 3, 2]);
  assert.deepEqual(parts.map((part) => part.y!.shape), [[1, 1], [3, 1], [2, 1]]);
  assert.deepEqual(parts.map((part) => [...(part.y!.data as Float32Array)]), [[10], [20, 30, 40], [50, 60]]);
  assert.deepEqual(parts.map((part) => [...(part.label!.data as BigInt64Array)]), [[1n], [2n, 3n, 4n], [5n, 6n]]);
});

test('an output that does not follow the batch is an error, not a silent mix-up', () => {
  assert.throws(() => splitRows({ y: fp32([[1], [2]]) }, [2, 1]), /leading dimension 2, expected the batch's 3 rows/);
});

test('requests are compatible when all but the leading dimension agree', () => {
  const key = (rows: number, width: number): string => batchCompatibilityKey({ x: { datatype: 'FP32', shape: [rows, width], data: new Float32Array(rows * width) } });
  assert.equal(key(1, 4), key(7, 4));
  assert.notEqual(key(1, 4), key(1, 5));
});
