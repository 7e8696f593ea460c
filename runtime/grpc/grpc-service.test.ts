// The gRPC listener of the real runtime process, driven with grpc-js clients: health, typed and raw
// contents against REST's answers, errors with REST's sentences, and gRPC turned off.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { credentials, makeGenericClientConstructor, Metadata, status as GrpcStatus } from '@grpc/grpc-js';
import type { Client, ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { loadPackageDefinition } from '@grpc/grpc-js';

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES } from '../fixtures/paths.ts';
import { postJson, startReady, startServe } from '../test-support/runtime-process.ts';
import type { RuntimeProcess } from '../test-support/runtime-process.ts';
import { HEALTH_PROTO_PATH as HEALTH_PROTO, INFERENCE_SERVICE } from './proto.ts';

const ROWS = [
  [0.03, 0.05, 0.06, 0.02, -0.04, -0.03, -0.04, 0, 0.02, -0.02],
  [-0.01, -0.04, -0.05, -0.03, 0.01, 0.02, 0.03, -0.03, -0.02, 0.01],
];

type Unary = (request: object, metadata: Metadata, callback: (error: ServiceError | null, response?: any) => void) => void;

function call(client: Client, method: string, request: object): Promise<any> {
  const fn = (client as unknown as Record<string, Unary>)[method]!.bind(client);
  return new Promise((resolve, reject) => fn(request, new Metadata(), (error, response) => (error ? reject(error) : resolve(response))));
}

async function callError(client: Client, method: string, request: object): Promise<ServiceError> {
  try {
    await call(client, method, request);
  } catch (error) {
    return error as ServiceError;
  }
  throw new Error(`${method} succeeded`);
}

describe('gRPC listener', () => {
  let runtime: RuntimeProcess;
  let inference: Client;
  let health: Client;

  before(async () => {
    runtime = await startReady([FIXTURES.linearRegression, '--name', 'diabetes']);
    inference = new (makeGenericClientConstructor(INFERENCE_SERVICE, 'GRPCInferenceService'))(runtime.grpcAddress, credentials.createInsecure());
    const healthPackage = loadPackageDefinition(loadSync(HEALTH_PROTO, { keepCase: true, enums: String })) as any;
    health = new healthPackage.grpc.health.v1.Health(runtime.grpcAddress, credentials.createInsecure());
  });
  after(async () => {
    inference?.close();
    health?.close();
    await runtime?.stop();
  });

  test('grpc.health.v1 reports SERVING for the server and the inference service once the model is ready', async () => {
    assert.deepEqual(await call(health, 'Check', { service: '' }), { status: 'SERVING' });
    assert.deepEqual(await call(health, 'Check', { service: 'inference.GRPCInferenceService' }), { status: 'SERVING' });
  });

  test('typed and raw contents give the numbers REST gives', async () => {
    const rest = await postJson(`${runtime.baseUrl}/v2/models/diabetes/infer`, {
      inputs: [{ name: 'input', shape: [2, 10], datatype: 'FP32', data: ROWS }],
    });
    assert.equal(rest.status, 200);
    const expected: number[] = rest.body.outputs[0].data;

    const typed = await call(inference, 'ModelInfer', {
      model_name: 'diabetes',
      id: 'typed-1',
      inputs: [{ name: 'input', datatype: 'FP32', shape: [2, 10], contents: { fp32_contents: ROWS.flat() } }],
    });
    assert.equal(typed.id, 'typed-1');
    assert.deepEqual(typed.outputs[0].shape, ['2', '1']);
    assert.deepEqual(typed.outputs[0].contents.fp32_contents, expected);
    assert.deepEqual(typed.raw_output_contents, []);

    const raw = await call(inference, 'ModelInfer', {
      model_name: 'diabetes',
      inputs: [{ name: 'input', datatype: 'FP32', shape: [2, 10] }],
      raw_input_contents: [Buffer.from(new Float32Array(ROWS.flat()).buffer)],
    });
    const bytes: Buffer = raw.raw_output_contents[0];
    assert.deepEqual(Array.from(new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength))), expected);
  });

  test('a client that compresses its requests (gzip, deflate) gets the same answer', async () => {
    const request = { model_name: 'diabetes', inputs: [{ name: 'input', datatype: 'FP32', shape: [2, 10], contents: { fp32_contents: ROWS.flat() } }] };
    const plain = await call(inference, 'ModelInfer', request);
    const Inference = makeGenericClientConstructor(INFERENCE_SERVICE, 'GRPCInferenceService');
    // grpc-js's compression algorithms: 1 deflate, 2 gzip.
    for (const algorithm of [1, 2]) {
      const client = new Inference(runtime.grpcAddress, credentials.createInsecure(), { 'grpc.default_compression_algorithm': algorithm });
      try {
        assert.deepEqual(await call(client, 'ModelInfer', request), plain);
      } finally {
        client.close();
      }
    }
  });

  test('bad requests get REST\'s sentence with the matching gRPC code', async () => {
    const shape = await callError(inference, 'ModelInfer', {
      model_name: 'diabetes',
      inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 10], contents: { fp32_contents: [1, 2, 3] } }],
    });
    assert.equal(shape.code, GrpcStatus.INVALID_ARGUMENT);
    assert.match(shape.details, /shape \[1, 10\] needs 10 elements, data has 3/);

    const wrongField = await callError(inference, 'ModelInfer', {
      model_name: 'diabetes',
      inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 1], contents: { int_contents: [1] } }],
    });
    assert.equal(wrongField.code, GrpcStatus.INVALID_ARGUMENT);
    assert.match(wrongField.details, /belong in contents.fp32_contents, not contents.int_contents/);

    const unknown = await callError(inference, 'ModelMetadata', { name: 'iris' });
    assert.equal(unknown.code, GrpcStatus.NOT_FOUND);
    assert.match(unknown.details, /unknown model 'iris'; this runtime serves 'diabetes'/);
  });

  test('metadata over the 16 KiB header list limit is RESOURCE_EXHAUSTED for that call alone; the channel serves the next', async () => {
    const unary = (inference as unknown as Record<string, Unary>).ServerReady!.bind(inference);
    const ready = (metadata: Metadata) => new Promise<ServiceError | null>((resolve) => unary({}, metadata, (error) => resolve(error)));
    const oversize = new Metadata();
    oversize.set('x-padding', 'a'.repeat(20_000));
    assert.equal((await ready(oversize))?.code, GrpcStatus.RESOURCE_EXHAUSTED);
    const fits = new Metadata();
    fits.set('x-padding', 'a'.repeat(8_000));
    assert.equal(await ready(fits), null);
  });

  test('metadata, config and statistics describe the model as REST does', async () => {
    const metadata = await call(inference, 'ModelMetadata', { name: 'diabetes' });
    assert.deepEqual(metadata.inputs, [{ name: 'input', datatype: 'FP32', shape: ['-1', '10'] }]);
    const config = await call(inference, 'ModelConfig', { name: 'diabetes', version: '1' });
    assert.deepEqual(config.config.input, [{ name: 'input', data_type: 'TYPE_FP32', dims: ['10'] }]);
    const restConfig = (await (await fetch(`${runtime.baseUrl}/v2/models/diabetes/config`)).json()) as any;
    assert.deepEqual(restConfig.input, [{ name: 'input', data_type: 'TYPE_FP32', dims: [10] }]);
    assert.equal(restConfig.max_batch_size, 32);

    const stats = (await (await fetch(`${runtime.baseUrl}/v2/models/diabetes/stats`)).json()) as any;
    const grpcStats = await call(inference, 'ModelStatistics', { name: 'diabetes' });
    assert.equal(stats.model_stats[0].name, 'diabetes');
    assert.ok(stats.model_stats[0].inference_stats.success.count >= 3, JSON.stringify(stats));
    assert.ok(Number(grpcStats.model_stats[0].inference_stats.fail.count) >= 1, JSON.stringify(grpcStats));

    const missing = await fetch(`${runtime.baseUrl}/v2/models/iris/config`);
    assert.equal(missing.status, 404);
    assert.match(((await missing.json()) as { error: string }).error, /unknown model 'iris'/);
  });
});

describe('gRPC drain', () => {
  test('on SIGTERM, health watchers see NOT_SERVING and the process still exits 0 with the stream open', async () => {
    const runtime = await startReady([FIXTURES.linearRegression, '--name', 'diabetes']);
    const healthPackage = loadPackageDefinition(loadSync(HEALTH_PROTO, { keepCase: true, enums: String })) as any;
    const health = new healthPackage.grpc.health.v1.Health(runtime.grpcAddress, credentials.createInsecure());
    try {
      const seen: string[] = [];
      const waiters: Array<() => void> = [];
      const stream = health.Watch({ service: 'inference.GRPCInferenceService' });
      stream.on('error', () => undefined);
      stream.on('data', (message: { status: string }) => {
        seen.push(message.status);
        for (const wake of waiters.splice(0)) wake();
      });
      const update = async (wanted: string): Promise<void> => {
        while (!seen.includes(wanted)) await new Promise<void>((resolve) => waiters.push(resolve));
      };
      await update('SERVING');
      const exited = runtime.stop('SIGTERM');
      await update('NOT_SERVING');
      assert.equal(await exited, 0, runtime.output());
      assert.deepEqual(seen, ['SERVING', 'NOT_SERVING']);
    } finally {
      health.close();
      await runtime.stop('SIGKILL');
    }
  });
});

describe('gRPC limits and auth', () => {
  test('a message over --max-body-bytes is RESOURCE_EXHAUSTED; a wrong token is UNAUTHENTICATED; probes need none', async () => {
    const tokenFile = join(mkdtempSync(join(tmpdir(), 'grpc-auth-')), 'token');
    writeFileSync(tokenFile, 'right-token');
    const runtime = await startReady([FIXTURES.linearRegression, '--name', 'diabetes', '--max-body-bytes', '1000', '--auth-token-file', tokenFile]);
    const client = new (makeGenericClientConstructor(INFERENCE_SERVICE, 'GRPCInferenceService'))(runtime.grpcAddress, credentials.createInsecure());
    const withToken = (token: string): Metadata => {
      const metadata = new Metadata();
      metadata.set('authorization', `Bearer ${token}`);
      return metadata;
    };
    const infer = (rows: number, metadata: Metadata) =>
      new Promise<ServiceError | null>((resolve) => {
        const request = {
          model_name: 'diabetes',
          inputs: [{ name: 'input', datatype: 'FP32', shape: [rows, 10] }],
          raw_input_contents: [Buffer.alloc(rows * 40)],
        };
        (client as unknown as Record<string, (r: object, m: Metadata, cb: (e: ServiceError | null) => void) => void>).ModelInfer!.call(client, request, metadata, resolve);
      });
    try {
      assert.equal(await infer(1, withToken('right-token')), null);
      assert.equal((await infer(100, withToken('right-token')))?.code, GrpcStatus.RESOURCE_EXHAUSTED);
      const denied = await infer(1, withToken('wrong-token'));
      assert.equal(denied?.code, GrpcStatus.UNAUTHENTICATED);
      assert.equal(denied?.details, 'missing or invalid bearer token');
      assert.deepEqual(await call(client, 'ServerReady', {}), { ready: true });
    } finally {
      client.close();
      await runtime.stop();
    }
  });
});

describe('gRPC requests larger than a stream window', () => {
  test('wait their turn for the large-body budget and arrive whole: four 800 KB calls at once on one channel', { timeout: 60_000 }, async () => {
    // A 1 MiB body limit is also the budget large bodies share: one 800 KB message is admitted at a time.
    const runtime = await startReady([FIXTURES.linearRegression, '--name', 'diabetes', '--max-body-bytes', String(1024 * 1024), '--max-request-rows', '50000']);
    const client = new (makeGenericClientConstructor(INFERENCE_SERVICE, 'GRPCInferenceService'))(runtime.grpcAddress, credentials.createInsecure());
    try {
      const rest = await postJson(`${runtime.baseUrl}/v2/models/diabetes/infer`, { inputs: [{ name: 'input', shape: [2, 10], datatype: 'FP32', data: ROWS }] });
      const expected: number[] = rest.body.outputs[0].data;
      const rows = 20_000;
      const features = new Float32Array(rows * 10);
      for (let row = 0; row < rows; row++) features.set(ROWS[row % 2]!, row * 10);
      const answers = await Promise.all(
        [1, 2, 3, 4].map(() =>
          call(client, 'ModelInfer', {
            model_name: 'diabetes',
            inputs: [{ name: 'input', datatype: 'FP32', shape: [rows, 10] }],
            raw_input_contents: [Buffer.from(features.buffer)],
          }),
        ),
      );
      for (const answer of answers) {
        const bytes: Buffer = answer.raw_output_contents[0];
        const predictions = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
        assert.equal(predictions.length, rows);
        assert.deepEqual([predictions[0], predictions[1], predictions[rows - 2], predictions[rows - 1]], [...expected, ...expected]);
      }
    } finally {
      client.close();
      await runtime.stop();
    }
  });
});

describe('gRPC turned off', () => {
  test('--grpc-port off opens no gRPC listener', async () => {
    const runtime = await startServe([FIXTURES.linearRegression, '--grpc-port', 'off']);
    try {
      assert.equal(runtime.grpcAddress, '');
      assert.doesNotMatch(runtime.output(), /grpc listening/);
    } finally {
      await runtime.stop();
    }
  });
});
