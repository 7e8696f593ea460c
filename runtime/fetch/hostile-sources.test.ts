import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Sources that try to make fetch read what it should not, or hold it forever.

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));

function runFetch(args: string[]): Promise<{ code: number; stderr: string; seconds: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    execFile(process.execPath, [MAIN, 'fetch', '--retries', '0', '--timeout-seconds', '10', ...args], (error, _stdout, stderr) =>
      resolve({ code: error === null ? 0 : ((error as { code?: number }).code ?? 1), stderr, seconds: (performance.now() - started) / 1000 }),
    );
  });
}

let scratch: string;
before(() => {
  scratch = mkdtempSync(join(tmpdir(), 'modelship-hostile-'));
});
after(() => rmSync(scratch, { recursive: true, force: true }));

function destination(name: string): string {
  const dir = join(scratch, `dest-${name}`);
  mkdirSync(dir, { recursive: true });
  return join(dir, 'model.onnx');
}

function assertNothingWritten(dest: string): void {
  assert.equal(existsSync(dest), false, 'no model at the destination');
  assert.deepEqual(readdirSync(join(dest, '..')), [], 'no temporary files');
}

describe('pvc:// and file:// stay inside their root', () => {
  test('a symlink inside the claim pointing out of it is refused', async () => {
    const root = join(scratch, 'pvc');
    mkdirSync(join(root, 'models'), { recursive: true });
    const secret = join(scratch, 'secret.txt');
    writeFileSync(secret, 'AWS_SECRET_ACCESS_KEY=hunter2');
    symlinkSync(secret, join(root, 'models', 'model.onnx'));
    symlinkSync('/proc/self', join(root, 'models', 'self'));
    const dest = destination('symlink');
    const run = await runFetch(['--uri', 'pvc://models/model.onnx', '--dest', dest, '--pvc-root', root]);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /resolves to .*secret\.txt, outside .*models/);
    const environ = await runFetch(['--uri', 'pvc://models/self/environ', '--dest', dest, '--pvc-root', root]);
    assert.equal(environ.code, 1, environ.stderr);
    assert.match(environ.stderr, /outside/);
    assertNothingWritten(dest);
  });

  test('a claim named .. is not a claim', async () => {
    const root = join(scratch, 'pvc-dots');
    mkdirSync(root, { recursive: true });
    const dest = destination('dots');
    const run = await runFetch(['--uri', 'pvc://../proc/self/environ', '--dest', dest, '--pvc-root', root]);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /not a valid claim name/);
    assertNothingWritten(dest);
  });

  test('file:// never reads kernel pseudo-files', async () => {
    const dest = destination('proc');
    const run = await runFetch(['--uri', 'file:///proc/self/environ', '--dest', dest]);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /no model file/);
    assertNothingWritten(dest);
  });
});

describe('fetch from a server that never finishes', () => {
  let server: Server;
  let base: string;
  before(async () => {
    server = createServer((req, res) => {
      if (req.url === '/trickle') {
        // One byte a second: never idle long enough for --timeout-seconds, never done.
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        const timer = setInterval(() => res.write('x'), 1000);
        res.on('close', () => clearInterval(timer));
      } else {
        // Far more than it declared it would send... or than --max-bytes allows.
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        const chunk = Buffer.alloc(64 * 1024, 1);
        const pump = (): void => {
          while (!res.destroyed && res.write(chunk));
          if (!res.destroyed) res.once('drain', pump);
        };
        pump();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  test('gives up at the overall deadline', async () => {
    const dest = destination('trickle');
    const run = await runFetch(['--uri', `${base}/trickle`, '--dest', dest, '--deadline-seconds', '3']);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /did not finish within 3 s \(--deadline-seconds\)/);
    assert.ok(run.seconds < 15, `took ${run.seconds} s`);
    assertNothingWritten(dest);
  });

  test('aborts as soon as the download outgrows --max-bytes', async () => {
    const dest = destination('endless');
    const run = await runFetch(['--uri', `${base}/endless`, '--dest', dest, '--max-bytes', String(1024 * 1024)]);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /exceeds 1048576 bytes \(--max-bytes\)/);
    assertNothingWritten(dest);
  });
});
