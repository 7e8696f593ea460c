import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { encodeModelInferResponseFrame } from './infer-response-frame.ts';
import type { InferTensorContents, ModelInferResponse } from './messages.ts';
import { loadSync } from '@grpc/proto-loader';
import type { ServiceDefinition } from '@grpc/proto-loader';
import { INFERENCE_SERVICE, INFERENCE_SERVICE_NAME, PROTO_PATH } from './proto.ts';

/**
 * Decoded as a gRPC client reads them, with proto3's defaults filled in: this encoder leaves out empty
 * strings, which protobufjs writes when the key is present; a client cannot tell the two apart.
 */
const OPTIONS = { keepCase: true, longs: String, enums: String, defaults: true, arrays: true, oneofs: true };
/** The reference encoding: proto-loader's serialiser, protobufjs underneath, as grpc-js peers use it. */
const encodeModelInferResponse = (message: ModelInferResponse): Buffer => INFERENCE_SERVICE.ModelInfer!.responseSerialize(message);
const INFER = (loadSync(PROTO_PATH, OPTIONS)[INFERENCE_SERVICE_NAME] as ServiceDefinition).ModelInfer!;

/** The frame's prefix must be right, and its message decode as protobufjs's encoding of the same answer does. */
function decodeFrame(frame: Buffer): unknown {
  assert.equal(frame[0], 0);
  assert.equal(frame.readUInt32BE(1), frame.length - 5);
  return INFER.responseDeserialize(frame.subarray(5));
}

test('a raw-contents answer frames to what protobufjs encodes it to', () => {
  const message: ModelInferResponse = {
    model_name: 'tiny',
    model_version: '1',
    id: 'réponse-✓',
    outputs: [{ name: 'variable', datatype: 'FP32', shape: [1, 1] }],
    raw_output_contents: [new Uint8Array(new Float32Array([152.5]).buffer)],
  };
  const frame = encodeModelInferResponseFrame(message);
  assert.deepEqual(decodeFrame(frame), INFER.responseDeserialize(encodeModelInferResponse(message)));
});

test('typed contents of every kind, negatives and 64-bit extremes included, decode as they were', () => {
  const contents: InferTensorContents[] = [
    { bool_contents: [true, false, true] },
    { int_contents: [0, -1, 2147483647, -2147483648, 300] },
    { int64_contents: ['9223372036854775807', '-9223372036854775808', '-1', '0', '128'] },
    { uint_contents: [0, 127, 128, 4294967295] },
    { uint64_contents: ['18446744073709551615', '0', '9007199254740993'] },
    { fp32_contents: [0.5, -1.25, 3.4e38] },
    { fp64_contents: [Math.PI, -0, 1e-300] },
    { bytes_contents: [new TextEncoder().encode('ab'), new Uint8Array(0), new Uint8Array(200).fill(7)] },
  ];
  const message: ModelInferResponse = {
    model_name: 'm',
    model_version: '',
    id: '',
    outputs: contents.map((item, index) => ({ name: `o${index}`, datatype: 'X', shape: [2 ** 40, 0, 3], contents: item })),
    raw_output_contents: [],
  };
  assert.deepEqual(decodeFrame(encodeModelInferResponseFrame(message)), INFER.responseDeserialize(encodeModelInferResponse(message)));
});

test('any answer of raw and FP32 outputs decodes like protobufjs\'s encoding of it', () => {
  const output = fc.record({
    name: fc.string(),
    datatype: fc.constantFrom('FP32', 'INT64', 'BYTES'),
    shape: fc.array(fc.nat({ max: 2 ** 31 }), { maxLength: 4 }),
    contents: fc.option(fc.record({ fp32_contents: fc.array(fc.float({ noNaN: true }), { maxLength: 40 }) }), { nil: undefined }),
  });
  const response = fc.record({
    model_name: fc.string(),
    model_version: fc.string(),
    id: fc.string({ unit: 'binary' }),
    outputs: fc.array(output, { maxLength: 3 }),
    raw_output_contents: fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 3 }),
  });
  fc.assert(
    fc.property(response, (message) => {
      const clean = { ...message, outputs: message.outputs.map((item) => (item.contents === undefined ? { name: item.name, datatype: item.datatype, shape: item.shape } : item)) };
      assert.deepEqual(decodeFrame(encodeModelInferResponseFrame(clean)), INFER.responseDeserialize(encodeModelInferResponse(clean)));
    }),
  );
});
