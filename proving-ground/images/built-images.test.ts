// The images `npm run images` put in the store (pretest builds them), checked as shipped: what they
// carry, and that the runtime serves a model from its exported root filesystem as the image's numeric
// user with that filesystem read-only, in a mount namespace of its own (as root, like every machine and CI).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { credentials, loadPackageDefinition } from '@grpc/grpc-js';
import type { ServiceClientConstructor } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { runCommand } from './command.ts';
import { IMAGES, imageReference } from './image-set.ts';
import { ImageStore } from './store.ts';
import type { StoredImage } from './store.ts';
import { freePort } from '../lib/ports.ts';
import { pollUntil } from '../lib/wait.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const { version } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
const store = new ImageStore();

async function stored(name: string): Promise<StoredImage> {
  const reference = imageReference(IMAGES.find((image) => image.name === name)!, version);
  const image = await store.lookup(reference);
  assert.ok(image, `${reference} is not in the image store ${store.root}; run npm run images`);
  return image;
}

// Mounts the image's root read-only with /proc, /dev, a /tmp of its own and a read-only model directory
// at /models, then runs the image's entrypoint as its USER: what the kubelet does, by hand.
const CONTAINER_SCRIPT = `
set -e
rootfs="$1" models="$2" user="$3"; shift 3
target=$(mktemp -d)
mount --bind "$rootfs" "$target"
mount -o remount,bind,ro "$target"
mount -t proc proc "$target/proc"
mount --rbind /dev "$target/dev"
mount -t tmpfs tmpfs "$target/tmp"
mount --bind -o ro "$models" "$target/mnt"
exec chroot --userspec="$user" "$target" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/tmp NODE_ENV=production "$@"
`;

function containerArgv(image: StoredImage, models: string, args: string[]): string[] {
  const user = image.config.User ?? '';
  assert.match(user, /^\d+(:\d+)?$/, 'the image runs as a numeric user, so runAsNonRoot can be verified');
  return ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', CONTAINER_SCRIPT, 'container', image.rootfs, models, user, ...(image.config.Entrypoint ?? []), ...args];
}

test('the operator image carries its bundle and no dependency tree', async () => {
  const operator = await stored('operator');
  const app = await readdir(join(operator.rootfs, 'app'));
  assert.ok(app.includes('main.mjs'), app.join(', '));
  assert.ok(!app.includes('node_modules'), 'everything the operator imports is in its bundle');
  assert.deepEqual(operator.config.Entrypoint, ['node', '/app/main.mjs']);
  const models = await mkdtemp(join(tmpdir(), 'operator-image-'));
  try {
    const help = await runCommand(containerArgv(operator, models, ['--help']));
    assert.match(help, /Usage: modelship-operator/);
  } finally {
    await rm(models, { recursive: true, force: true });
  }
});

test('the runtime image carries only the packages it cannot bundle, onnxruntime for its own platform only', async () => {
  const runtime = await stored('runtime');
  const packages = await readdir(join(runtime.rootfs, 'app', 'node_modules'));
  for (const external of ['onnxruntime-node', 'onnxruntime-common', '@grpc', 'protobufjs']) assert.ok(packages.includes(external), external);
  // Bundled (express, the AWS SDK) or never imported by the runtime (the Kubernetes client; grpc-js, which
  // only tests use as a client since the runtime serves gRPC on its own HTTP/2 server).
  for (const absent of ['@kubernetes', '@aws-sdk', 'express', 'adm-zip', 'global-agent', 'grpc-health-check']) assert.ok(!packages.includes(absent), absent);
  assert.deepEqual(await readdir(join(runtime.rootfs, 'app', 'node_modules', '@grpc')), ['proto-loader']);
  const platforms = join(runtime.rootfs, 'app', 'node_modules', 'onnxruntime-node', 'bin', 'napi-v6');
  assert.deepEqual(await readdir(platforms), ['linux']);
  assert.deepEqual(await readdir(join(platforms, 'linux')), ['x64']);
  assert.ok(existsSync(join(runtime.rootfs, 'app', 'session-worker.mjs')), 'the worker pool loads session-worker.mjs beside main.mjs');
  assert.ok(existsSync(join(runtime.rootfs, 'app', 'codec-worker.mjs')), 'the codec thread loads codec-worker.mjs beside main.mjs');
});

test('the runtime image fetches a model, checking its sha256, as its own user', async (t) => {
  const runtime = await stored('runtime');
  const models = await mkdtemp(join(tmpdir(), 'runtime-image-'));
  t.after(() => rm(models, { recursive: true, force: true }));
  const model = join(ROOT, 'runtime', 'fixtures', 'linear_regression.onnx');
  await runCommand(['cp', model, join(models, 'model.onnx')]);
  await runCommand(['chmod', '-R', 'a+rX', models]);
  const sha256 = createHash('sha256').update(await readFile(model)).digest('hex');
  const fetch = ['fetch', '--uri', 'file:///mnt/model.onnx', '--dest', '/tmp/model/model.onnx', '--sha256', sha256];
  await runCommand(containerArgv(runtime, models, fetch));
  const wrong = ['fetch', '--uri', 'file:///mnt/model.onnx', '--dest', '/tmp/model/model.onnx', '--sha256', '0'.repeat(64), '--retries', '0'];
  await assert.rejects(runCommand(containerArgv(runtime, models, wrong)), /sha256/);
});

test('the runtime image serves a model read-only as its own user', async (t) => {
  const runtime = await stored('runtime');
  const models = await mkdtemp(join(tmpdir(), 'runtime-image-'));
  t.after(() => rm(models, { recursive: true, force: true }));
  await runCommand(['cp', join(ROOT, 'runtime', 'fixtures', 'linear_regression.onnx'), join(models, 'model.onnx')]);
  await runCommand(['chmod', '-R', 'a+rX', models]);
  const port = await freePort();
  const grpcPort = await freePort();
  const serve = ['serve', '--model', '/mnt/model.onnx', '--name', 'linear', '--host', '127.0.0.1', '--port', String(port), '--grpc-port', String(grpcPort)];
  const [program, ...args] = containerArgv(runtime, models, serve);
  const child = spawn(program!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise((resolveExit) => child.on('exit', resolveExit));
  t.after(async () => {
    child.kill('SIGTERM');
    await exited;
  });
  await pollUntil(async () => (await fetch(`http://127.0.0.1:${port}/v2/health/ready`).catch(() => undefined))?.ok === true, {
    timeoutMs: 60_000,
    intervalMs: 200,
    description: 'the runtime in its image to answer /v2/health/ready',
    diagnose: () => `its output so far:\n${output}`,
  });
  const answer = await fetch(`http://127.0.0.1:${port}/v2/models/linear/infer`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 10], data: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] }] }),
  });
  assert.equal(answer.status, 200, output);
  const body = (await answer.json()) as { outputs: Array<{ shape: number[]; data: number[] }> };
  assert.deepEqual(body.outputs[0]?.shape, [1, 1]);
  assert.equal(body.outputs[0]?.data.length, 1);
  // The protobuf packages stay outside the bundle (they load .proto files from disk): the listener must work.
  assert.equal(await grpcHealth(`127.0.0.1:${grpcPort}`), 'SERVING', output);
});

async function grpcHealth(address: string): Promise<string> {
  const definition = loadSync(join(ROOT, 'runtime', 'grpc', 'health.proto'), { keepCase: true, enums: String });
  const health = (loadPackageDefinition(definition) as unknown as { grpc: { health: { v1: { Health: ServiceClientConstructor } } } }).grpc.health.v1.Health;
  const client = new health(address, credentials.createInsecure());
  try {
    return await new Promise<string>((resolveStatus, reject) => {
      const check = client.Check as (request: object, callback: (error: Error | null, answer: { status: string }) => void) => void;
      check.call(client, { service: '' }, (error, answer) => (error ? reject(error) : resolveStatus(answer.status)));
    });
  } finally {
    client.close();
  }
}
