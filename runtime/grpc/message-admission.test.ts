// Large request messages on the gRPC layer: they wait for the large-body gate with their stream's window
// shut, are let in whole once admitted, give their share back however the call ends, and are freed once read.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { constants } from 'node:http2';
import type { ClientHttp2Session } from 'node:http2';
import { setTimeout as sleep } from 'node:timers/promises';
import { H2Server } from '../http2/h2-server.ts';
import type { H2Stream } from '../http2/h2-stream.ts';
import { LargeBodyGate } from '../server/large-body-gate.ts';
import { dispatch } from './grpc-dispatch.ts';
import type { DispatchOptions, GrpcMethod } from './grpc-dispatch.ts';
import type { GrpcCall } from './grpc-call.ts';
import { GrpcStatus } from './grpc-errors.ts';
import { frameMessage, grpcSession, rawGrpc } from '../test-support/grpc-raw.ts';

const WINDOW = 65_535;
const LARGE = 200 * 1024;

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

describe('large gRPC request messages', { timeout: 20_000 }, () => {
  let server: H2Server;
  let session: ClientHttp2Session;
  const gate = new LargeBodyGate(300 * 1024);
  const streams: H2Stream[] = [];
  const kept: Buffer[] = [];
  const size: GrpcMethod = {
    decode: (bytes) => ({ bytes }),
    encode: (message) => Buffer.from(String((message as { length: number }).length)),
    unary: (request: { bytes: Buffer }) => {
      kept.push(request.bytes);
      return { length: request.bytes.length };
    },
  };
  const options: DispatchOptions = {
    maxMessageBytes: 1024 * 1024,
    largeMessages: gate,
    largeMessageBytes: WINDOW,
    receiving: new Set<GrpcCall>(),
    unexpected: () => undefined,
    methods: new Map([['/t.T/Size', size]]),
  };

  before(async () => {
    server = new H2Server({
      maxConcurrentStreams: 100,
      maxHeaderListBytes: 16 * 1024,
      receiveWindow: 1024 * 1024,
      streamReceiveWindow: WINDOW,
      onStream: (stream) => {
        streams.push(stream);
        dispatch(stream, options);
      },
      onUnexpected: (error) => assert.fail(String(error)),
    });
    session = grpcSession(`127.0.0.1:${await server.listen('127.0.0.1', 0)}`);
  });
  after(() => {
    session.close();
    server.stopAccepting();
  });

  test('a message larger than the stream window waits for the gate with the window shut, then arrives whole', async () => {
    const blocker = await gate.admit(300 * 1024);
    const call = rawGrpc(session, '/t.T/Size', { body: frameMessage(Buffer.alloc(LARGE, 7)) });
    await until(() => gate.waiting === 1, 'the message to ask the gate');
    await sleep(200);
    const stream = streams.at(-1)!;
    assert.ok(stream.bodyBytes <= WINDOW, `${stream.bodyBytes} octets taken in while waiting`);
    blocker();
    const answer = await call;
    assert.equal(answer.code, GrpcStatus.OK, JSON.stringify({ h: answer.headers, t: answer.trailers, n: answer.body.length, bytes: stream.bodyBytes }));
    assert.equal(answer.body.subarray(5).toString(), String(LARGE));
    assert.equal(gate.admittedBytes, 0);
  });

  test('a large message is freed once read; a small one is left to the collector', async () => {
    await rawGrpc(session, '/t.T/Size', { body: frameMessage(Buffer.alloc(LARGE, 1)) });
    await rawGrpc(session, '/t.T/Size', { body: frameMessage(Buffer.alloc(100, 1)) });
    assert.equal((kept.at(-2)!.buffer as ArrayBuffer).detached, true);
    assert.equal((kept.at(-1)!.buffer as ArrayBuffer).detached, false);
  });

  test('a message smaller than the window never asks the gate', async () => {
    const blocker = await gate.admit(300 * 1024);
    try {
      const answer = await rawGrpc(session, '/t.T/Size', { body: frameMessage(Buffer.alloc(WINDOW - 5, 2)) });
      assert.equal(answer.body.subarray(5).toString(), String(WINDOW - 5));
      assert.equal(gate.waiting, 0);
    } finally {
      blocker();
    }
  });

  test('the share goes back when the client cancels, whether admitted or still waiting', async () => {
    const admitted = session.request({ ':method': 'POST', ':path': '/t.T/Size', 'content-type': 'application/grpc', te: 'trailers' });
    admitted.on('error', () => undefined);
    admitted.write(frameMessage(Buffer.alloc(LARGE, 3)).subarray(0, LARGE - 10));
    await until(() => gate.admittedBytes === LARGE, 'the first message to be admitted');
    const waiting = session.request({ ':method': 'POST', ':path': '/t.T/Size', 'content-type': 'application/grpc', te: 'trailers' });
    waiting.on('error', () => undefined);
    waiting.write(frameMessage(Buffer.alloc(LARGE, 4)).subarray(0, WINDOW));
    await until(() => gate.waiting === 1, 'the second message to wait');
    waiting.close(constants.NGHTTP2_CANCEL);
    admitted.close(constants.NGHTTP2_CANCEL);
    await until(() => gate.admittedBytes === 0 && gate.waiting === 0, 'every share to be given back');
  });

  test('a second request message is refused as it starts, not kept until the request ends', async () => {
    const two = Buffer.concat([frameMessage(Buffer.from('a')), frameMessage(Buffer.alloc(LARGE, 5)).subarray(0, 100)]);
    const answer = await rawGrpc(session, '/t.T/Size', { body: two, keepOpen: true });
    assert.deepEqual([answer.code, answer.message], [GrpcStatus.UNIMPLEMENTED, 'Received more than one request message for unary method /t.T/Size']);
    assert.equal(options.receiving.size, 0);
  });
});
