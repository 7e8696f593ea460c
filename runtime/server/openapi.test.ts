import { test } from 'node:test';
import assert from 'node:assert/strict';
import Ajv2020 from 'ajv/dist/2020.js';
import { OPENAPI_DOCUMENT } from './openapi.ts';

// The OpenAPI document must say what the runtime refuses for structural reasons, so that a schema-driven
// client or fuzzer does not produce "valid" requests that are sure to get 400. (Model-specific rules, such as
// input names, shapes and element counts, are in the model's metadata, not in this document.)

const ajv = new Ajv2020.default({ strict: false });
ajv.addSchema({ ...JSON.parse(OPENAPI_DOCUMENT), $id: 'runtime' });
const valid = (schema: string, value: unknown): boolean => ajv.validate(`runtime#/components/schemas/${schema}`, value);

test('requests the runtime refuses whatever the model are invalid by the document', () => {
  assert.equal(valid('InferRequest', { inputs: [] }), false, 'no inputs');
  assert.equal(valid('InferRequest', { inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 4], data: [] }] }), false, 'negative dimension');
  assert.equal(valid('V1PredictRequest', { instances: [] }), false, 'no instances');
  assert.equal(valid('V1PredictRequest', { instances: [[1]], inputs: [[1]] }), false, 'both instances and inputs');
  assert.equal(valid('V1PredictRequest', {}), false, 'neither instances nor inputs');
});

test('ordinary requests are valid by the document', () => {
  assert.ok(valid('InferRequest', { id: 'a', inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] }] }));
  assert.ok(valid('InferRequest', { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], parameters: { binary_data_size: 16 } }], outputs: [{ name: 'label' }] }));
  assert.ok(valid('V1PredictRequest', { instances: [[1, 2, 3, 4]] }));
  assert.ok(valid('V1PredictRequest', { inputs: { input: [[1, 2, 3, 4]] } }));
});

test('the answers the runtime gives are documented', () => {
  const infer = JSON.parse(OPENAPI_DOCUMENT).paths['/v2/models/{model}/infer'].post.responses as Record<string, unknown>;
  assert.deepEqual(Object.keys(infer).sort(), ['200', '400', '401', '404', '405', '408', '413', '429', '500', '503']);
});
