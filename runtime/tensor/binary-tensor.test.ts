import { test } from 'node:test';
import assert from 'node:assert/strict';
import { binaryTensorBytes, readBinaryTensorData } from './binary-tensor.ts';

test('binary FP32 data at an unaligned offset reads correctly', () => {
  const floats = new Float32Array([1.5, -2, 3.25]);
  const body = Buffer.concat([Buffer.from('x'), Buffer.from(floats.buffer)]);
  const data = readBinaryTensorData('FP32', [3], body.subarray(1), 'x');
  assert.deepEqual(data, floats);
});

test('binary data of the wrong size is a 400 that gives both sizes', () => {
  assert.throws(() => readBinaryTensorData('FP32', [2, 2], new Uint8Array(12), 'inputs[0]'), /needs 16 bytes, binary data has 12/);
});

test('BYTES elements round-trip with their 4-byte length prefixes', () => {
  const bytes = binaryTensorBytes(['ab', '', 'ünï']);
  assert.deepEqual(readBinaryTensorData('BYTES', [3], bytes, 'x'), ['ab', '', 'ünï']);
  assert.throws(() => readBinaryTensorData('BYTES', [2], bytes, 'x'), /needs 2 BYTES elements, binary data has 3/);
  assert.throws(() => readBinaryTensorData('BYTES', [1], new Uint8Array([5, 0, 0, 0, 1]), 'x'), /truncated BYTES element/);
});

test('numeric output bytes are a view of the typed array, not a copy', () => {
  const floats = new Float32Array([1, 2, 3, 4]).subarray(1, 3);
  const bytes = binaryTensorBytes(floats);
  assert.equal(bytes.buffer, floats.buffer);
  assert.equal(bytes.byteOffset, 4);
  assert.equal(bytes.byteLength, 8);
});
