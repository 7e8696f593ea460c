// The listener in this process with a stand-in for the served model (only its readiness is read here):
// health Watch following readiness, the two halves of a drain, a sender too slow for the request timeout, and
// GOAWAY for a connection idle for the keep-alive timeout.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RuntimeContext } from '../server/context.ts';
import { GrpcListener } from './grpc-server.ts';
import { GrpcStatus } from './grpc-errors.ts';
import { HEALTH_SERVICE } from './proto.ts';
import { frameMessage, grpcSession, rawGrpc } from '../test-support/grpc-raw.ts';

const CHECK = HEALTH_SERVICE.Check!;
const WATCH = HEALTH_SERVICE.Watch!;

function listenerWith(readiness: { reason: string | undefined }, requestMs = 30_000, keepAliveMs = 65_000): GrpcListener {
  const context = {
    model: { notReadyReason: () => readiness.reason },
    maxBodyBytes: 1000,
    log: { error: () => undefined },
  } as unknown as RuntimeContext;
  return new GrpcListener(context, { headersMs: 10_000, requestMs, keepAliveMs });
}

function request(service: string): Buffer {
  return frameMessage(CHECK.requestSerialize({ service }));
}

/** The statuses of the framed HealthCheckResponses in a Watch stream's body so far. */
function statuses(chunks: Buffer[]): string[] {
  const body = Buffer.concat(chunks);
  const seen: string[] = [];
  for (let offset = 0; offset + 5 <= body.length; offset += 5 + body.readUInt32BE(offset + 1)) {
    seen.push((WATCH.responseDeserialize(body.subarray(offset + 5, offset + 5 + body.readUInt32BE(offset + 1))) as { status: string }).status);
  }
  return seen;
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.ok(check());
}

describe('gRPC listener in process', () => {
  test('Watch follows readiness; Check and List answer it; an unknown service is NOT_FOUND to Check', async () => {
    const readiness: { reason: string | undefined } = { reason: 'loading' };
    const listener = listenerWith(readiness);
    const port = await listener.listen('127.0.0.1', 0);
    const session = grpcSession(`127.0.0.1:${port}`);
    try {
      const chunks: Buffer[] = [];
      const watch = session.request({ ':method': 'POST', ':path': WATCH.path, 'content-type': 'application/grpc', te: 'trailers' });
      watch.on('data', (chunk: Buffer) => chunks.push(chunk));
      watch.end(request('inference.GRPCInferenceService'));
      await until(() => statuses(chunks).length === 1);
      readiness.reason = undefined;
      listener.refreshHealth();
      await until(() => statuses(chunks).length === 2);
      listener.refreshHealth();
      readiness.reason = 'stopping';
      listener.refreshHealth();
      await until(() => statuses(chunks).length === 3);
      assert.deepEqual(statuses(chunks), ['NOT_SERVING', 'SERVING', 'NOT_SERVING']);

      const check = await rawGrpc(session, CHECK.path, { body: request('') });
      assert.deepEqual(CHECK.responseDeserialize(check.body.subarray(5)), { status: 'NOT_SERVING' });
      const unknown = await rawGrpc(session, CHECK.path, { body: request('other') });
      assert.deepEqual([unknown.code, unknown.message], [GrpcStatus.NOT_FOUND, 'Health status unknown for service other']);
      const list = await rawGrpc(session, HEALTH_SERVICE.List!.path, { body: frameMessage(Buffer.alloc(0)) });
      assert.deepEqual(Object.keys((HEALTH_SERVICE.List!.responseDeserialize(list.body.subarray(5)) as { statuses: object }).statuses).sort(), ['', 'inference.GRPCInferenceService']);
    } finally {
      session.close();
      await listener.close(1000);
    }
  });

  test('drain: after stopAccepting open connections are served and new ones refused; close ends Watch with UNAVAILABLE', async () => {
    const listener = listenerWith({ reason: undefined });
    const port = await listener.listen('127.0.0.1', 0);
    listener.refreshHealth();
    const session = grpcSession(`127.0.0.1:${port}`);
    try {
      const watched = rawGrpc(session, WATCH.path, { body: request('') });
      assert.equal((await rawGrpc(session, CHECK.path, { body: request('') })).trailers?.['grpc-status'], '0');
      listener.stopAccepting();
      assert.equal((await rawGrpc(session, CHECK.path, { body: request('') })).trailers?.['grpc-status'], '0');
      const refused = await fetch(`http://127.0.0.1:${port}/`).then(() => 'connected', (error: Error) => String((error.cause as { code?: string })?.code));
      assert.equal(refused, 'ECONNREFUSED');
      const started = Date.now();
      await listener.close(5000);
      assert.ok(Date.now() - started < 900, 'the Watch ended at once rather than holding its connection for the grace');
      const watch = await watched;
      assert.deepEqual([watch.code, watch.message], [GrpcStatus.UNAVAILABLE, 'the server is shutting down']);
    } finally {
      session.close();
    }
  });

  test('a request message still arriving after the request timeout ends DEADLINE_EXCEEDED', async () => {
    const listener = listenerWith({ reason: undefined }, 200);
    const port = await listener.listen('127.0.0.1', 0);
    const session = grpcSession(`127.0.0.1:${port}`);
    try {
      const started = Date.now();
      const stalled = await rawGrpc(session, CHECK.path, { body: request('').subarray(0, 3), keepOpen: true });
      assert.deepEqual([stalled.code, stalled.message], [GrpcStatus.DEADLINE_EXCEEDED, 'the request message did not arrive within 0.2 s']);
      assert.ok(Date.now() - started >= 190);
    } finally {
      session.close();
      await listener.close(1000);
    }
  });

  test('a connection with no new call for the keep-alive timeout gets GOAWAY; one still calling does not', async () => {
    const listener = listenerWith({ reason: undefined }, 30_000, 400);
    const port = await listener.listen('127.0.0.1', 0);
    const idle = grpcSession(`127.0.0.1:${port}`);
    const busy = grpcSession(`127.0.0.1:${port}`);
    try {
      const goaway = new Promise<number>((resolve) => idle.once('goaway', () => resolve(Date.now())));
      let busyGoaway = false;
      busy.once('goaway', () => (busyGoaway = true));
      const started = Date.now();
      assert.equal((await rawGrpc(idle, CHECK.path, { body: request('') })).trailers?.['grpc-status'], '0');
      // The busy connection calls every 100 ms, well inside the timeout, until the idle one is sent away.
      let sentAway = false;
      void goaway.then(() => (sentAway = true));
      while (!sentAway && Date.now() - started < 5000) {
        assert.equal((await rawGrpc(busy, CHECK.path, { body: request('') })).trailers?.['grpc-status'], '0');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const at = await Promise.race([goaway, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 1000))]);
      assert.ok(at !== undefined, 'the idle connection got no GOAWAY');
      assert.ok(at - started >= 390, `GOAWAY came ${at - started} ms after the last call, before the keep-alive timeout`);
      assert.equal(busyGoaway, false);
      assert.equal((await rawGrpc(busy, CHECK.path, { body: request('') })).trailers?.['grpc-status'], '0');
    } finally {
      idle.close();
      busy.close();
      await listener.close(1000);
    }
  });
});
