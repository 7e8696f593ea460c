import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeClient } from '../kube/client.ts';
import { buildRequest, classifyPayload, errorText, parsePayload, predict, proxyTransport, shapeOf, type Answer, type Transport } from './predict.ts';

test('parsePayload names the source of bad JSON', () => {
  assert.throws(() => parsePayload('{"inputs": [', '--data'), { name: 'CliError', message: /^--data is not valid JSON: / });
  assert.throws(() => parsePayload('  ', 'req.json'), { message: 'req.json is empty: give a JSON request body' });
  assert.deepEqual(parsePayload('[[1,2]]', '--data'), [[1, 2]]);
});

test('an OIP body goes to /v2/models/<model>/infer and a V1 body to /v1/models/<model>:predict', () => {
  const v2 = { inputs: [{ name: 'x', shape: [1, 2], datatype: 'FP32', data: [1, 2] }] };
  assert.deepEqual(buildRequest('fraud', v2), { protocol: 'v2', method: 'POST', path: '/v2/models/fraud/infer', body: v2 });
  const v1 = { instances: [[1, 2]] };
  assert.deepEqual(buildRequest('fraud', v1), { protocol: 'v1', method: 'POST', path: '/v1/models/fraud:predict', body: v1 });
});

test('a bare array of rows becomes V1 instances', () => {
  assert.deepEqual(buildRequest('fraud', [[1, 2], [3, 4]]).body, { instances: [[1, 2], [3, 4]] });
});

test('a bare array with --v2 becomes an OIP tensor named and typed from the model metadata', () => {
  const req = buildRequest('fraud', [[1, 2], [3, 4]], 'v2', { inputs: [{ name: 'float_input', datatype: 'FP32', shape: [-1, 2] }] });
  assert.deepEqual(req.body, { inputs: [{ name: 'float_input', shape: [2, 2], datatype: 'FP32', data: [1, 2, 3, 4] }] });
});

test('--v1 with an OIP body, or --v2 with a V1 body, is refused with the way out', () => {
  assert.throws(() => classifyPayload({ inputs: [] }, 'v1'), /"inputs", an OIP v2 request: drop --v1/);
  assert.throws(() => classifyPayload({ instances: [] }, 'v2'), /"instances", a V1 request: drop --v2/);
  assert.throws(() => classifyPayload({ foo: 1 }), /must be an OIP v2 request/);
  assert.throws(() => classifyPayload(42), /must be an OIP v2 request/);
});

test('shapeOf measures nested arrays and rejects ragged rows', () => {
  assert.deepEqual(shapeOf([[1, 2, 3], [4, 5, 6]]), [2, 3]);
  assert.deepEqual(shapeOf([1, 2]), [2]);
  assert.throws(() => shapeOf([[1, 2], [3]]), /ragged/);
});

test('a bare array cannot fill a model with several inputs', () => {
  assert.throws(
    () => buildRequest('m', [[1]], 'v2', { inputs: [{ name: 'a', datatype: 'FP32', shape: [1] }, { name: 'b', datatype: 'FP32', shape: [1] }] }),
    /has 2 inputs \(a, b\)/,
  );
});

test('errorText shows the runtime\'s {"error": …} message', () => {
  assert.equal(errorText('{"error":"input x: expected shape [-1,4], got [1,3]"}'), 'input x: expected shape [-1,4], got [1,3]');
  assert.equal(errorText('upstream connect error'), 'upstream connect error');
});

function fakeTransport(answers: Record<string, Answer>, seen: unknown[] = []): Transport {
  return {
    async send(req) {
      seen.push(req);
      const a = answers[`${req.method} ${req.path}`];
      if (!a) throw new Error(`unexpected ${req.method} ${req.path}`);
      return a;
    },
  };
}

test('predict pretty-prints the answer', async () => {
  const t = fakeTransport({ 'POST /v1/models/fraud:predict': { status: 200, text: '{"predictions":[0.5]}', via: 'pod a' } });
  const got = await predict(t, 'fraud', [[1, 2]]);
  assert.equal(got.text, '{\n  "predictions": [\n    0.5\n  ]\n}');
  assert.equal(got.protocol, 'v1');
});

test('predict with --v2 and a bare array reads the model metadata first', async () => {
  const seen: unknown[] = [];
  const t = fakeTransport(
    {
      'GET /v2/models/fraud': { status: 200, text: '{"name":"fraud","inputs":[{"name":"x","datatype":"FP64","shape":[-1,2]}]}', via: 'p' },
      'POST /v2/models/fraud/infer': { status: 200, text: '{"outputs":[]}', via: 'p' },
    },
    seen,
  );
  await predict(t, 'fraud', [[1, 2]], 'v2');
  assert.deepEqual(seen[1], { protocol: 'v2', method: 'POST', path: '/v2/models/fraud/infer', body: { inputs: [{ name: 'x', shape: [1, 2], datatype: 'FP64', data: [1, 2] }] } });
});

test('predict turns an error answer into a CliError with exit status 4', async () => {
  const t = fakeTransport({ 'POST /v1/models/fraud:predict': { status: 400, text: '{"error":"bad shape"}', via: 'pod a (127.0.0.5:8080)' } });
  await assert.rejects(predict(t, 'fraud', [[1]]), { name: 'CliError', exitCode: 4, message: 'pod a (127.0.0.5:8080) answered HTTP 400: bad shape' });
});

test('the service proxy path names scheme, Service and port, so "name:port" is never misread', async () => {
  const paths: string[] = [];
  const client = {
    async request(_method: string, p: string) {
      paths.push(p);
      if (p === '/api/v1/namespaces/ml/services/fraud') {
        return { metadata: { name: 'fraud' }, spec: { ports: [{ name: 'grpc', port: 9000 }, { name: 'http', port: 80 }] } };
      }
      return { predictions: [1] };
    },
  } as unknown as KubeClient;
  await (await proxyTransport(client, { namespace: 'ml', service: 'fraud', timeoutMs: 1000 })).send({ method: 'POST', path: '/v1/models/fraud:predict', body: {} });
  await (await proxyTransport(client, { namespace: 'ml', service: 'fraud', port: '9000', timeoutMs: 1000 })).send({ method: 'GET', path: '/v2/models/fraud' });
  assert.deepEqual(paths, [
    '/api/v1/namespaces/ml/services/fraud',
    '/api/v1/namespaces/ml/services/http:fraud:http/proxy/v1/models/fraud:predict',
    '/api/v1/namespaces/ml/services/http:fraud:9000/proxy/v2/models/fraud',
  ]);
});
