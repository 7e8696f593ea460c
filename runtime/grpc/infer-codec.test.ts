import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeModelInferRequest } from './infer-codec.ts';
import { INFERENCE_SERVICE } from './proto.ts';

const INFER = INFERENCE_SERVICE.ModelInfer!;

test('ModelInfer requests decode as proto-loader gave them: numeric shapes, 64-bit elements as exact decimal strings', () => {
  const bytes = INFER.requestSerialize({
    model_name: 'm',
    inputs: [
      { name: 'a', datatype: 'INT64', shape: [1, 2], contents: { int64_contents: ['9223372036854775807', '-9223372036854775808'] } },
      { name: 'b', datatype: 'UINT64', shape: ['9007199254740993'], contents: { uint64_contents: ['18446744073709551615'] } },
      { name: 'c', datatype: 'FP32', shape: [3] },
    ],
    raw_input_contents: [],
  });
  const message = decodeModelInferRequest(bytes);
  assert.equal(message.model_name, 'm');
  assert.deepEqual(message.inputs[0]!.shape, [1, 2]);
  assert.deepEqual(message.inputs[0]!.contents!.int64_contents, ['9223372036854775807', '-9223372036854775808']);
  assert.deepEqual(message.inputs[1]!.contents!.uint64_contents, ['18446744073709551615']);
  // Beyond 2^53 a dimension cannot be exact; it stays unsafe, so the decoder still refuses it.
  assert.equal(Number.isSafeInteger(message.inputs[1]!.shape[0]), false);
  assert.equal(message.inputs[2]!.contents, null);
});
