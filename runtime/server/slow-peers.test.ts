import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { FIXTURES } from '../fixtures/paths.ts';
import { startReady } from '../test-support/runtime-process.ts';
import { openRaw } from '../test-support/raw-http.ts';

// Peers that send slowly must not hold a connection, or a pod's shutdown, for long (issue 11, defect 5).
// Generous bounds: they tell minutes (before) from seconds (now), on a loaded machine.

const PREDICT = 'POST /v1/models/diabetes:predict HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n';

test('a body trickled in a byte at a time is cut off at the request timeout with 408', async () => {
  const runtime = await startReady([FIXTURES.linearRegression, '--name', 'diabetes', '--request-timeout-seconds', '2']);
  try {
    const started = performance.now();
    const { socket, closed } = await openRaw(runtime.baseUrl, `${PREDICT}content-length: 1000\r\n\r\n{`);
    const trickle = setInterval(() => socket.write(' '), 500);
    const text = await closed;
    clearInterval(trickle);
    const seconds = (performance.now() - started) / 1000;
    assert.match(text, /^HTTP\/1\.1 408/);
    assert.ok(seconds < 10, `held for ${seconds} s`);
  } finally {
    await runtime.stop();
  }
});

test('headers that never finish are cut off at the headers timeout (10 s by default)', async () => {
  const runtime = await startReady([FIXTURES.linearRegression, '--name', 'diabetes']);
  try {
    const started = performance.now();
    const { socket, closed } = await openRaw(runtime.baseUrl, 'GET /v2/health/live HTTP/1.1\r\nhost: x\r\n');
    const trickle = setInterval(() => socket.write('x-slow: 1\r\n'), 1000);
    await closed;
    clearInterval(trickle);
    const seconds = (performance.now() - started) / 1000;
    assert.ok(seconds >= 9 && seconds < 20, `closed after ${seconds} s`);
  } finally {
    await runtime.stop();
  }
});

test('SIGTERM does not wait the whole drain for a client still sending its body, nor for idle connections', async () => {
  const runtime = await startReady([FIXTURES.linearRegression, '--name', 'diabetes']);
  const slow = await openRaw(runtime.baseUrl, `${PREDICT}content-length: 1000\r\n\r\n{`);
  const trickle = setInterval(() => slow.socket.write(' '), 500);
  const idle = await openRaw(runtime.baseUrl, 'GET /v2/health/live HTTP/1.1\r\nhost: x\r\n\r\n');
  await sleep(500);
  try {
    const started = performance.now();
    runtime.child.kill('SIGTERM');
    assert.equal(await runtime.exited, 0);
    const seconds = (performance.now() - started) / 1000;
    // The default drain timeout is 30 s; a slow sender gets a 2 s grace.
    assert.ok(seconds < 10, `shutdown took ${seconds} s`);
    assert.match(await idle.closed, /^HTTP\/1\.1 200/);
    await slow.closed;
  } finally {
    clearInterval(trickle);
    slow.socket.destroy();
    idle.socket.destroy();
  }
});
