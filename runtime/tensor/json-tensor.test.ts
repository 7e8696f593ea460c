import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonTensorDataText, jsonValues, readJsonTensorData } from './json-tensor.ts';
import { ProtocolError } from '../protocol/errors.ts';

test('flat and nested data read into the same typed array', () => {
  const flat = readJsonTensorData('FP32', [2, 2], [1, 2, 3, 4], 'x');
  const nested = readJsonTensorData('FP32', [2, 2], [[1, 2], [3, 4]], 'x');
  assert.ok(flat instanceof Float32Array);
  assert.deepEqual([...(flat as Float32Array)], [1, 2, 3, 4]);
  assert.deepEqual(nested, flat);
});

test('an element count that does not match the shape is a 400', () => {
  assert.throws(() => readJsonTensorData('FP32', [2, 2], [1, 2, 3], 'inputs[0]'), (error: ProtocolError) => {
    assert.equal(error.status, 400);
    assert.match(error.message, /inputs\[0\]: shape \[2, 2\] needs 4 elements, data has 3/);
    return true;
  });
  assert.throws(() => readJsonTensorData('FP32', [1, 2], [[1, 2], [3]], 'x'), /needs 2 elements, data has 3/);
});

test('values are checked against the datatype', () => {
  assert.throws(() => readJsonTensorData('FP32', [2], [1, '2'], 'x'), /"2" is not a valid FP32 value/);
  assert.throws(() => readJsonTensorData('INT8', [1], [128], 'x'), /128 is not a valid INT8 value/);
  assert.throws(() => readJsonTensorData('UINT8', [1], [1.5], 'x'), /not a valid UINT8/);
  assert.throws(() => readJsonTensorData('INT64', [1], [2 ** 60], 'x'), /not a valid INT64/);
  assert.throws(() => readJsonTensorData('BOOL', [1], ['yes'], 'x'), /not a valid BOOL/);
  assert.throws(() => readJsonTensorData('BYTES', [1], [1], 'x'), /BYTES elements must be strings/);
  assert.throws(() => readJsonTensorData('FP32', [1], 'not an array', 'x'), /x\.data must be an array/);
});

test('INT64, BOOL, BYTES and FP16 read into their onnxruntime representations', () => {
  assert.deepEqual(readJsonTensorData('INT64', [2], [-3, 9007199254740991], 'x'), new BigInt64Array([-3n, 9007199254740991n]));
  assert.deepEqual(readJsonTensorData('BOOL', [3], [true, false, 1], 'x'), new Uint8Array([1, 0, 1]));
  assert.deepEqual(readJsonTensorData('BYTES', [2], ['a', 'é'], 'x'), ['a', 'é']);
  const halves = readJsonTensorData('FP16', [2], [1, -2.5], 'x') as Uint16Array;
  assert.deepEqual([...halves], [0x3c00, 0xc100]);
});

test('response text prints typed arrays exactly, with null for NaN and infinities', () => {
  assert.equal(jsonTensorDataText('FP32', new Float32Array([0.5, 2])), '[0.5,2]');
  assert.equal(jsonTensorDataText('FP64', new Float64Array([NaN, Infinity, 1])), '[null,null,1]');
  assert.equal(jsonTensorDataText('INT64', new BigInt64Array([2n ** 62n, -1n])), '[4611686018427387904,-1]');
  assert.equal(jsonTensorDataText('BOOL', new Uint8Array([1, 0])), '[true,false]');
  assert.equal(jsonTensorDataText('FP16', new Uint16Array([0x3c00, 0xc100])), '[1,-2.5]');
  assert.equal(jsonTensorDataText('BYTES', ['a"b']), '["a\\"b"]');
});

test('jsonValues slices rows as plain JSON values', () => {
  assert.deepEqual(jsonValues('INT64', new BigInt64Array([1n, 2n, 3n]), 1, 3), [2, 3]);
  assert.deepEqual(jsonValues('FP32', new Float32Array([1, NaN]), 0, 2), [1, null]);
});

test('floats beyond their type\'s range are a 400, not Infinity', () => {
  assert.throws(() => readJsonTensorData('FP32', [1], [1e39], 'x'), /x\.data: 1e\+39 is out of range for FP32/);
  assert.throws(() => readJsonTensorData('FP16', [2], [1, 70000], 'x'), /x\.data: 70000 is out of range for FP16/);
  assert.throws(() => readJsonTensorData('FP64', [1], [JSON.parse('1e400')], 'x'), /Infinity is out of range for FP64/);
  const largest = readJsonTensorData('FP16', [2], [65504, -65504], 'x');
  assert.equal(largest.length, 2);
});
