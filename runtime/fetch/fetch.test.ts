import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { FIXTURES } from '../fixtures/paths.ts';

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));
const MODEL = readFileSync(FIXTURES.logisticRegression);
const MODEL_SHA256 = createHash('sha256').update(MODEL).digest('hex');

interface FetchRun {
  code: number;
  stderr: string;
}

/** Runs `modelship-runtime fetch` as the init container would; asynchronously, since the servers live in this process. */
function runFetch(args: string[], env: NodeJS.ProcessEnv = {}): Promise<FetchRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [MAIN, 'fetch', '--retries', '3', '--retry-delay-ms', '20', '--timeout-seconds', '10', ...args],
      { env: { ...process.env, ...env } },
      (error, _stdout, stderr) => resolve({ code: error === null ? 0 : ((error as { code?: number }).code ?? 1), stderr }),
    );
  });
}

let scratch: string;
before(() => {
  scratch = mkdtempSync(join(tmpdir(), 'modelship-fetch-'));
});
after(() => {
  rmSync(scratch, { recursive: true, force: true });
});

function destination(name: string): string {
  const dir = join(scratch, `dest-${name}`);
  mkdirSync(dir, { recursive: true });
  return join(dir, 'model.onnx');
}

function assertNothingLeftBehind(dest: string): void {
  assert.equal(existsSync(dest), false, 'no model at the destination');
  const dir = join(dest, '..');
  assert.deepEqual(
    readdirSync(dir).filter((name) => name.includes('partial')),
    [],
    'no temporary files',
  );
}

describe('fetch over https', () => {
  let server: Server;
  let base: string;
  let caFile: string;
  const hits = new Map<string, number>();

  before(async () => {
    const key = join(scratch, 'key.pem');
    caFile = join(scratch, 'cert.pem');
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', key, '-out', caFile, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
    ], { stdio: 'ignore' });
    server = createServer({ key: readFileSync(key), cert: readFileSync(caFile) }, (req, res) => {
      const path = req.url ?? '';
      const hit = (hits.get(path) ?? 0) + 1;
      hits.set(path, hit);
      if (path === '/models/iris.onnx') return void res.writeHead(200, { 'content-length': MODEL.length }).end(MODEL);
      if (path === '/moved') return void res.writeHead(302, { location: '/models/iris.onnx' }).end();
      if (path === '/flaky' && hit <= 2) return void res.writeHead(503).end('busy');
      if (path === '/flaky') return void res.writeHead(200).end(MODEL);
      if (path === '/cut-off' && hit === 1) {
        res.writeHead(200, { 'content-length': MODEL.length });
        res.write(MODEL.subarray(0, 100));
        setTimeout(() => res.destroy(), 50);
        return;
      }
      if (path === '/cut-off') return void res.writeHead(200).end(MODEL);
      res.writeHead(404).end('not here');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  test('downloads with a CA bundle from --ca-file and verifies the sha256', async () => {
    const dest = destination('ca-file');
    const run = await runFetch(['--uri', `${base}/models/iris.onnx`, '--dest', dest, '--sha256', MODEL_SHA256, '--ca-file', caFile]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(readFileSync(dest), MODEL);
    assert.match(run.stderr, new RegExp(`fetched .* \\(${MODEL.length} bytes, sha256 ${MODEL_SHA256}\\)`));
  });

  test('trusts NODE_EXTRA_CA_CERTS and follows redirects', async () => {
    const dest = destination('extra-ca');
    const run = await runFetch(['--uri', `${base}/moved`, '--dest', dest], { NODE_EXTRA_CA_CERTS: caFile });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(readFileSync(dest), MODEL);
  });

  test('an untrusted certificate fails at once without retrying', async () => {
    const dest = destination('untrusted');
    const before = hits.get('/models/iris.onnx') ?? 0;
    const run = await runFetch(['--uri', `${base}/models/iris.onnx`, '--dest', dest]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /failed: .*(certificate|self-signed|self signed)/i);
    assert.doesNotMatch(run.stderr, /retrying/);
    assert.equal(hits.get('/models/iris.onnx') ?? 0, before, 'no request got through');
    assertNothingLeftBehind(dest);
  });

  test('a 404 fails with one clear line and is not retried', async () => {
    const dest = destination('missing');
    const run = await runFetch(['--uri', `${base}/nothing-here.onnx`, '--dest', dest, '--ca-file', caFile]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /failed: https:\/\/127\.0\.0\.1:\d+\/nothing-here\.onnx answered HTTP 404/);
    assert.equal(hits.get('/nothing-here.onnx'), 1);
    assert.equal(run.stderr.trim().split('\n').length, 1);
    assertNothingLeftBehind(dest);
  });

  test('503s are retried with backoff until the download succeeds', async () => {
    const dest = destination('flaky');
    const run = await runFetch(['--uri', `${base}/flaky`, '--dest', dest, '--ca-file', caFile, '--sha256', MODEL_SHA256]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(hits.get('/flaky'), 3);
    assert.match(run.stderr, /attempt 1 failed: .*HTTP 503; retrying in \d+ ms/);
    assert.deepEqual(readFileSync(dest), MODEL);
  });

  test('a transfer cut off halfway is retried and never leaves a partial file', async () => {
    const dest = destination('cut-off');
    const run = await runFetch(['--uri', `${base}/cut-off`, '--dest', dest, '--ca-file', caFile, '--sha256', MODEL_SHA256]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /attempt 1 failed/);
    assert.deepEqual(readFileSync(dest), MODEL);
    assert.deepEqual(readdirSync(join(dest, '..')), ['model.onnx']);
  });

  test('a sha256 mismatch fails without retrying and leaves nothing at the destination', async () => {
    const dest = destination('mismatch');
    const run = await runFetch(['--uri', `${base}/models/iris.onnx`, '--dest', dest, '--ca-file', caFile, '--sha256', 'f'.repeat(64)]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, new RegExp(`failed: checksum mismatch: expected sha256 f{64}, got ${MODEL_SHA256}`));
    assert.doesNotMatch(run.stderr, /retrying/);
    assertNothingLeftBehind(dest);
  });

  test('a destination that already holds the pinned file is kept without downloading', async () => {
    const dest = destination('present');
    writeFileSync(dest, MODEL);
    const before = hits.get('/models/iris.onnx') ?? 0;
    const run = await runFetch(['--uri', `${base}/models/iris.onnx`, '--dest', dest, '--ca-file', caFile, '--sha256', MODEL_SHA256]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /already present/);
    assert.equal(hits.get('/models/iris.onnx') ?? 0, before);
  });
});

describe('fetch from S3-compatible storage', () => {
  let s3: S3rver;
  let endpoint: string;
  const credentials = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' };

  before(async () => {
    s3 = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: join(scratch, 's3'), configureBuckets: [{ name: 'models' }] });
    const { port } = await s3.run();
    endpoint = `http://127.0.0.1:${port}`;
    const client = new S3Client({
      endpoint,
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    await client.send(new PutObjectCommand({ Bucket: 'models', Key: 'iris/3/model.onnx', Body: MODEL }));
    client.destroy();
  });
  after(async () => {
    await s3.close();
  });

  test('downloads s3://bucket/key from the endpoint in AWS_ENDPOINT_URL_S3', async () => {
    const dest = destination('s3-env');
    const run = await runFetch(['--uri', 's3://models/iris/3/model.onnx', '--dest', dest, '--sha256', MODEL_SHA256], {
      ...credentials,
      AWS_ENDPOINT_URL_S3: endpoint,
    });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(readFileSync(dest), MODEL);
  });

  test('--s3-endpoint names the endpoint on the command line', async () => {
    const dest = destination('s3-flag');
    const run = await runFetch(['--uri', 's3://models/iris/3/model.onnx', '--dest', dest, '--s3-endpoint', endpoint], credentials);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(readFileSync(dest), MODEL);
  });

  test('a missing key fails at once, naming the error', async () => {
    const dest = destination('s3-missing');
    const run = await runFetch(['--uri', 's3://models/iris/4/model.onnx', '--dest', dest], { ...credentials, AWS_ENDPOINT_URL_S3: endpoint });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /failed: s3:\/\/models\/iris\/4\/model\.onnx: NoSuchKey/);
    assert.doesNotMatch(run.stderr, /retrying/);
    assertNothingLeftBehind(dest);
  });
});

describe('fetch from mounted volumes', () => {
  test('copies a file:// model', async () => {
    const dest = destination('file');
    const run = await runFetch(['--uri', pathToFileURL(FIXTURES.logisticRegression).href, '--dest', dest, '--sha256', MODEL_SHA256]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(readFileSync(dest), MODEL);
  });

  test('reads pvc://claim/path under the claims root', async () => {
    const root = join(scratch, 'pvc');
    mkdirSync(join(root, 'models-claim', 'iris'), { recursive: true });
    writeFileSync(join(root, 'models-claim', 'iris', 'model.onnx'), MODEL);
    const dest = destination('pvc');
    const run = await runFetch(['--uri', 'pvc://models-claim/iris/model.onnx', '--dest', dest, '--pvc-root', root]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(readFileSync(dest), MODEL);
  });

  test('refuses pvc paths that climb out of their claim, and unknown schemes', async () => {
    const escape = await runFetch(['--uri', 'pvc://claim/a%2F..%2F..%2Fetc%2Fpasswd', '--dest', destination('escape'), '--pvc-root', join(scratch, 'pvc')]);
    assert.equal(escape.code, 1);
    assert.match(escape.stderr, /outside its claim/);
    const ftp = await runFetch(['--uri', 'ftp://example.invalid/model.onnx', '--dest', destination('ftp')]);
    assert.equal(ftp.code, 1);
    assert.match(ftp.stderr, /unsupported scheme 'ftp:'/);
  });

  test('a missing file fails at once', async () => {
    const run = await runFetch(['--uri', pathToFileURL(join(scratch, 'absent.onnx')).href, '--dest', destination('absent')]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /ENOENT/);
    assert.doesNotMatch(run.stderr, /retrying/);
  });
});
