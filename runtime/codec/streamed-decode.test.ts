import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModelSignature } from '../model/signature.ts';
import type { RequestLimits } from '../protocol/request-limits.ts';
import { parseV1PredictRequest } from '../protocol/v1-predict.ts';
import { parseV2InferRequest } from '../protocol/v2-infer-request.ts';
import { decodeJob } from './codec-jobs.ts';
import { readTensorJson } from './streamed-decode.ts';

// Large bodies are decoded by the streaming reader where it can: clients must not be able to tell. Each body
// below is decoded the codec thread's way (decodeJob) and the small-body way (JSON.parse, then the protocol's
// checks), and the two must give the same tensors or the same status and message.

const LIMITS: RequestLimits = { maxRows: 4, maxElements: 12 };
const FP32: ModelSignature = { inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 2] }], outputs: [{ name: 'y', datatype: 'FP32', shape: [-1] }] };
const single = (datatype: ModelSignature['inputs'][number]['datatype']): ModelSignature => ({
  inputs: [{ name: 'x', datatype, shape: [-1] }],
  outputs: FP32.outputs,
});
const TWO: ModelSignature = {
  inputs: [
    { name: 'a', datatype: 'FP32', shape: [-1, 2] },
    { name: 'b', datatype: 'INT64', shape: [-1] },
  ],
  outputs: FP32.outputs,
};

/** Bodies the streaming reader reads itself (checked below, so that these cases cannot silently fall back). */
const V1_STREAMED: [string, ModelSignature][] = [
  ['{"instances":[[1,2],[3,4]]}', FP32],
  ['{"inputs":[[1,2],[3,-0]]}', FP32],
  ['{"inputs":{"a":[[1,2]],"b":[7]}}', TWO],
  ['{"instances":[[1,2],[3,4],[5,6],[7,8],[9,10]]}', FP32],
  ['{"instances":[[16777217,0.1],[3.4028235e38,-1.401298464324817e-45]]}', FP32],
  ['{"instances":[1e400, 1e308]}', single('FP64')],
  ['{"instances":[70000, 65504]}', single('FP16')],
  ['{"instances":[128]}', single('INT8')],
  ['{"instances":[1.5]}', single('UINT8')],
  ['{"instances":[1, 0, 2]}', single('BOOL')],
  ['{"instances":[9007199254740993]}', single('INT64')],
  ['{"instances":[-1]}', single('UINT64')],
  ['{"instances":[1]}', single('BYTES')],
  ['{"instances":[[1,2]]}', TWO],
  ['{"instances":[[1,2]],"inputs":[[1,2]]}', FP32],
  ['{"inputs":{"a":[[1,2]],"c":[7]}}', TWO],
  ['{"inputs":{"a":[[1,2]]}}', TWO],
  [`{"instances":${'['.repeat(32)}1${']'.repeat(32)}}`, FP32],
  ['{"signature_name":"x"}', FP32],
  // Lists whose first element is no number are read as ordinary JSON, not packed.
  ['{"instances":[{"a":[1,2],"b":7},{"a":[3,4],"b":8}]}', TWO],
  ['{"instances":[{"a":[1,2],"b":7},[3,4]]}', TWO],
  ['{"instances":[]}', FP32],
  ['{"instances":5}', FP32],
  ['{"instances":[true, false]}', single('BOOL')],
  ['{"instances":["a", "b"]}', single('BYTES')],
];

/** Bodies it leaves to JSON.parse: same answers all the same. */
const V1_FALLBACK: [string, ModelSignature][] = [
  ['{"instances":[[1,2],[3]]}', FP32],
  // Values too large for FP32, which JSON.parse and the datatype check refuse with the value in the message.
  ['{"instances":[[1e39,2]]}', FP32],
  ['{"instances":[[1,-1e400]]}', FP32],
  ['{"instances":[[1,3.4028235677973367e38]]}', FP32],
  // More numbers than the request may carry: JSON.parse and the protocol's limits say which limit it breaks.
  ['{"instances":[[1,2,3,4],[5,6,7,8],[9,10,11,12],[13,14,15,16]]}', FP32],
  ['{"instances":[[1,2],3]}', FP32],
  ['{"instances":[[]]}', FP32],
  ['{"instances":[[1,NaN]]}', FP32],
  ['{"instances":[[1,2]]', FP32],
  ['{"instances":[[1,2]]} trailing', FP32],
  ['{"instances":[[1,"2"]]}', FP32],
  [`{"instances":${'['.repeat(33)}1${']'.repeat(33)}}`, FP32],
  [`{"instances":${'['.repeat(7000)}${']'.repeat(7000)}}`, FP32],
  ['[1,2]', FP32],
  ['', FP32],
];

const V2_INPUT = (fields: string): string => `{"inputs":[{${fields}}]}`;
const V2_STREAMED: string[] = [
  V2_INPUT('"name":"a","shape":[2,2],"datatype":"FP32","data":[[1,2],[3,4]]'),
  V2_INPUT('"data":[1,2,3,4],"name":"a","datatype":"FP32","shape":[2,2]'),
  V2_INPUT('"name":"a","shape":[2,2],"datatype":"FP32","data":[1,2,3]'),
  V2_INPUT('"name":"a","shape":[2,2],"datatype":"INT64","data":[1,2,3,4]'),
  V2_INPUT('"name":"b","shape":[2],"datatype":"INT64","data":[1,2.5]'),
  V2_INPUT('"name":"a","shape":[5,2],"datatype":"FP32","data":[1,2,3,4,5,6,7,8,9,10]'),
  V2_INPUT('"name":"a","shape":[1,2],"datatype":"FP32","data":[1e39,2]'),
  V2_INPUT('"name":"a","shape":[1,2],"datatype":"FP32","data":[1,2],"parameters":{"binary_data_size":8}'),
  V2_INPUT('"name":"z","shape":[1,2],"datatype":"FP32","data":[1,2]'),
  `{"id":"r","inputs":[{"name":"a","shape":[1,2],"datatype":"FP32","data":[1,2]},{"name":"b","shape":[1],"datatype":"INT64","data":[3]}],"outputs":[{"name":"y"}],"parameters":{"binary_data_output":true}}`,
  `{"id":7,"inputs":[{"name":"a","shape":[1,2],"datatype":"FP32","data":[1,2]}]}`,
  `{"inputs":[{"name":"a","shape":[1,2],"datatype":"FP32","data":[1,2]},{"name":"a","shape":[1,2],"datatype":"FP32","data":[1,2]}]}`,
  `{"inputs":[{"name":"a","shape":[1,2],"datatype":"FP32","data":[1,2]}],"outputs":[{"name":"nope"}]}`,
  '{"inputs":[]}',
  '{"inputs":"x"}',
];
const V2_FALLBACK: string[] = [
  V2_INPUT('"name":"a","shape":[2,2],"datatype":"FP32","data":[[1,2],[3,4,5]]'),
  V2_INPUT('"name":"a","shape":[2,2],"datatype":"FP32","data":[[1,2],[3],[4]]'),
  V2_INPUT('"name":"a","shape":[1,2],"datatype":"FP32","data":[1,"2"]'),
  V2_INPUT('"name":"a","shape":[1,2],"datatype":"FP32","data":[1,2],}'),
];

type Outcome = { value: unknown } | { status: number; message: string };

function outcome(decode: () => unknown): Outcome {
  try {
    return { value: decode() };
  } catch (error) {
    const { status, message } = error as { status: number; message: string };
    return { status, message };
  }
}

function assertSameAsSmallBodies(protocol: 'v1' | 'v2', body: string, signature: ModelSignature): void {
  const bytes = Buffer.from(body);
  const expected = outcome(() => (protocol === 'v1' ? parseV1PredictRequest(bytes, signature, LIMITS) : parseV2InferRequest(bytes, undefined, signature, LIMITS)));
  const actual = outcome(() => {
    const decoded = decodeJob({ protocol, body: Buffer.from(body), headerLength: undefined, signature, limits: LIMITS });
    return decoded.protocol === 'v1' ? decoded.inputs : decoded.request;
  });
  assert.deepStrictEqual(actual, expected, body.slice(0, 200));
}

test('V1 bodies decode to the same tensors, or the same errors, as small bodies do', () => {
  for (const [body, signature] of V1_STREAMED) {
    assert.notEqual(readTensorJson(Buffer.from(body), 'v1', signature, LIMITS), undefined, `${body} should be read by the streaming reader`);
    assertSameAsSmallBodies('v1', body, signature);
  }
  for (const [body, signature] of V1_FALLBACK) {
    assert.equal(readTensorJson(Buffer.from(body), 'v1', signature, LIMITS), undefined, `${body.slice(0, 100)} should be left to JSON.parse`);
    assertSameAsSmallBodies('v1', body, signature);
  }
});

test('V2 JSON bodies decode to the same request, or the same errors, as small bodies do', () => {
  for (const body of V2_STREAMED) {
    assert.notEqual(readTensorJson(Buffer.from(body), 'v2', TWO, LIMITS), undefined, `${body} should be read by the streaming reader`);
    assertSameAsSmallBodies('v2', body, TWO);
  }
  for (const body of V2_FALLBACK) {
    assert.equal(readTensorJson(Buffer.from(body), 'v2', TWO, LIMITS), undefined, `${body} should be left to JSON.parse`);
    assertSameAsSmallBodies('v2', body, TWO);
  }
});

test('the body is released once read, before the tensors are allocated', () => {
  const released: Uint8Array[] = [];
  const body = Buffer.from('{"instances":[[1,2]]}');
  decodeJob({ protocol: 'v1', body, headerLength: undefined, signature: FP32, limits: LIMITS }, (bytes) => released.push(bytes));
  assert.deepEqual(released, [body]);
});
