import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseModelUri } from './model-uri.ts';

test('each supported scheme maps to where the model lives', () => {
  assert.deepEqual(parseModelUri('s3://models/fraud/3/model.onnx', '/mnt/pvc'), { kind: 's3', bucket: 'models', key: 'fraud/3/model.onnx' });
  assert.deepEqual(parseModelUri('file:///models/iris.onnx', '/mnt/pvc'), { kind: 'file', path: '/models/iris.onnx', root: '/' });
  assert.deepEqual(parseModelUri('pvc://claim/dir/model.onnx', '/mnt/pvc'), { kind: 'file', path: '/mnt/pvc/claim/dir/model.onnx', root: '/mnt/pvc/claim' });
  const https = parseModelUri('https://example.com/m.onnx', '/mnt/pvc');
  assert.equal(https.kind, 'http');
});

test('malformed and unsupported URIs are refused without retrying', () => {
  for (const [uri, message] of [
    ['not a uri', /is not a URI/],
    ['s3://bucket-only', /s3:\/\/bucket\/key/],
    ['pvc://claim', /pvc:\/\/claim\/path/],
    ['pvc://claim/a%2F..%2F..%2Fsecret', /outside its claim/],
    ['gs://bucket/key', /unsupported scheme 'gs:'/],
    ['pvc://../proc/self/environ', /'\.\.' in 'pvc:\/\/\.\.\/proc\/self\/environ' is not a valid claim name/],
    ['pvc://Claim_1/model.onnx', /not a valid claim name/],
  ] as const) {
    assert.throws(() => parseModelUri(uri, '/mnt/pvc'), (error: Error & { retryable: boolean }) => message.test(error.message) && !error.retryable);
  }
});
