import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchInferenceRoute } from './inference-routes.ts';

test('v2 infer paths match with and without a version', () => {
  assert.deepEqual(matchInferenceRoute('POST', '/v2/models/iris/infer'), { protocol: 'v2', model: 'iris', version: undefined });
  assert.deepEqual(matchInferenceRoute('POST', '/v2/models/iris/versions/3/infer?x=1'), { protocol: 'v2', model: 'iris', version: '3' });
  assert.deepEqual(matchInferenceRoute('POST', '/v2/models/my%20model/infer'), { protocol: 'v2', model: 'my model', version: undefined });
});

test('V1 predict paths match with the verb after a colon', () => {
  assert.deepEqual(matchInferenceRoute('POST', '/v1/models/iris:predict'), { protocol: 'v1', model: 'iris' });
});

test('everything else is left to express', () => {
  assert.equal(matchInferenceRoute('GET', '/v2/models/iris/infer'), undefined);
  assert.equal(matchInferenceRoute('POST', '/v2/models/iris/ready'), undefined);
  assert.equal(matchInferenceRoute('POST', '/v2/models/a/b/infer'), undefined);
  assert.equal(matchInferenceRoute('POST', '/v1/models/iris:explain'), undefined);
  assert.equal(matchInferenceRoute('POST', '/v2/models/%E0%A4%A/infer'), undefined);
});
