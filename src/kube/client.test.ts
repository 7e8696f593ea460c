import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { KubeClient, RequestTimeoutError } from './client.ts';
import { listenOnLoopback, loopbackKubeConfig } from '../../test/support/loopback-api.ts';

/** An API server stand-in on loopback: /slow never answers, /watch sends headers then nothing. */
function frozenServer(): Server {
  return createServer((req, res) => {
    if (req.url?.startsWith('/watch')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.flushHeaders();
      return;
    }
    if (req.url?.startsWith('/ok')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"kind":"Status"}');
    }
    // Anything else: never answer.
  });
}

describe('KubeClient deadlines', () => {
  const server = frozenServer();
  let port = 0;
  before(async () => {
    port = await listenOnLoopback(server);
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  test('a request the server never answers fails at the deadline with a message that says so', async () => {
    const client = new KubeClient(loopbackKubeConfig(port), 'test', 200);
    const started = Date.now();
    await assert.rejects(client.get('/slow'), (err: unknown) => {
      assert.ok(err instanceof RequestTimeoutError);
      assert.match(err.message, /GET \/slow: no answer from the API server within 200 ms/);
      return true;
    });
    assert.ok(Date.now() - started < 2_000);
  });

  test('a caller signal shorter than the deadline ends the request first', async () => {
    const client = new KubeClient(loopbackKubeConfig(port), 'test', 10_000);
    const started = Date.now();
    await assert.rejects(client.get('/slow', { signal: AbortSignal.timeout(100) }), (err: unknown) => !(err instanceof RequestTimeoutError));
    assert.ok(Date.now() - started < 2_000);
  });

  test('a request given its own deadline (a large list) is held to that one, not the client\'s', async () => {
    const client = new KubeClient(loopbackKubeConfig(port), 'test', 10_000);
    const started = Date.now();
    await assert.rejects(client.get('/slow', { timeoutMs: 150 }), (err: unknown) => {
      assert.ok(err instanceof RequestTimeoutError);
      assert.match(err.message, /within 150 ms/);
      return true;
    });
    assert.ok(Date.now() - started < 2_000);
  });

  test('an answered request is not cut by the deadline afterwards', async () => {
    const client = new KubeClient(loopbackKubeConfig(port), 'test', 200);
    assert.deepEqual(await client.get('/ok'), { kind: 'Status' });
  });

  test('a watch outlives the deadline once its headers arrived, and ends with the caller', async () => {
    const client = new KubeClient(loopbackKubeConfig(port), 'test', 100);
    const caller = new AbortController();
    const res = await client.stream('/watch', { signal: caller.signal });
    const reader = res.body!.getReader();
    const next = reader.read();
    const outcome = await Promise.race([next.then(() => 'ended', () => 'ended'), new Promise((r) => setTimeout(() => r('still open'), 400))]);
    assert.equal(outcome, 'still open', 'the body stream was cut by the header deadline');
    caller.abort();
    await assert.rejects(next);
  });
});
