// The gRPC layer on the runtime's HTTP/2 server in this process, with small methods of its own, driven by
// hand-made HTTP/2 requests: what a gRPC library would hide (Trailers-Only, HTTP statuses, deadlines).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClientHttp2Session } from 'node:http2';
import { H2Server } from '../http2/h2-server.ts';
import { dispatch } from './grpc-dispatch.ts';
import type { DispatchOptions, GrpcMethod } from './grpc-dispatch.ts';
import type { GrpcCall } from './grpc-call.ts';
import { GrpcError, GrpcStatus } from './grpc-errors.ts';
import { frameMessage, grpcSession, rawGrpc } from '../test-support/grpc-raw.ts';
import { LargeBodyGate } from '../server/large-body-gate.ts';

const text = { decode: (bytes: Buffer) => ({ text: bytes.toString() }), encode: (message: object) => Buffer.from((message as { text: string }).text) };

describe('gRPC dispatch', () => {
  let server: H2Server;
  let session: ClientHttp2Session;
  const unexpected: unknown[] = [];
  const options: DispatchOptions = {
    maxMessageBytes: 64,
    largeMessages: new LargeBodyGate(64),
    largeMessageBytes: 65_535,
    receiving: new Set<GrpcCall>(),
    unexpected: (error) => unexpected.push(error),
    methods: new Map<string, GrpcMethod>([
      ['/t.T/Echo', { ...text, unary: (request: { text: string }) => ({ text: `echo ${request.text}` }) }],
      ['/t.T/Later', { ...text, unary: async (request: { text: string }) => ({ text: `later ${request.text}` }) }],
      ['/t.T/Never', { ...text, unary: () => new Promise<object>(() => undefined) }],
      ['/t.T/Refuse', { ...text, unary: () => Promise.reject(new GrpcError(GrpcStatus.NOT_FOUND, 'no model ünïcode 100%')) }],
      ['/t.T/Crash', { ...text, unary: () => { throw new Error('a bug'); } }],
      ['/t.T/Count', { ...text, streaming: (request: { text: string }, call, send) => { send({ text: '1' }); send({ text: '2' }); call.fail(new GrpcError(GrpcStatus.UNAVAILABLE, `done ${request.text}`)); } }],
    ]),
  };

  before(async () => {
    server = new H2Server({
      maxConcurrentStreams: 100,
      maxHeaderListBytes: 16 * 1024,
      receiveWindow: 65_535,
      onStream: (stream) => dispatch(stream, options),
      onUnexpected: (error) => unexpected.push(error),
    });
    session = grpcSession(`127.0.0.1:${await server.listen('127.0.0.1', 0)}`);
  });
  after(async () => {
    session.close();
    server.stopAccepting();
  });

  test('a unary answer is headers, one framed message and grpc-status 0 in trailers', async () => {
    for (const path of ['/t.T/Echo', '/t.T/Later']) {
      const answer = await rawGrpc(session, path, { body: frameMessage(Buffer.from('hi')) });
      assert.equal(answer.headers[':status'], 200);
      assert.equal(answer.headers['content-type'], 'application/grpc');
      assert.equal(answer.headers['grpc-accept-encoding'], 'identity,gzip,deflate');
      assert.equal(answer.trailers?.['grpc-status'], '0');
      assert.deepEqual(answer.body, frameMessage(Buffer.from(`${path === '/t.T/Echo' ? 'echo' : 'later'} hi`)));
    }
  });

  test('failures are Trailers-Only: the status in the one HEADERS frame, grpc-message percent-encoded', async () => {
    const refused = await rawGrpc(session, '/t.T/Refuse', { body: frameMessage(Buffer.from('x')) });
    assert.equal(refused.trailers, undefined);
    assert.equal(refused.headers[':status'], 200);
    assert.equal(refused.headers['grpc-status'], String(GrpcStatus.NOT_FOUND));
    assert.equal(refused.headers['grpc-message'], 'no model %C3%BCn%C3%AFcode 100%25');
    assert.equal(refused.message, 'no model ünïcode 100%');
    assert.equal(refused.body.length, 0);

    const crashed = await rawGrpc(session, '/t.T/Crash', { body: frameMessage(Buffer.from('x')) });
    assert.deepEqual([crashed.code, crashed.message], [GrpcStatus.INTERNAL, 'internal error']);
    assert.equal((unexpected.at(-1) as Error).message, 'a bug');
  });

  test('an unknown method is UNIMPLEMENTED; a request without one message is refused', async () => {
    const unknown = await rawGrpc(session, '/t.T/Nothing', { body: frameMessage(Buffer.from('x')) });
    assert.deepEqual([unknown.code, unknown.message], [GrpcStatus.UNIMPLEMENTED, 'The server does not implement the method /t.T/Nothing']);
    assert.equal((await rawGrpc(session, '/t.T/Echo')).code, GrpcStatus.UNIMPLEMENTED);
    const two = Buffer.concat([frameMessage(Buffer.from('a')), frameMessage(Buffer.from('b'))]);
    assert.equal((await rawGrpc(session, '/t.T/Echo', { body: two })).code, GrpcStatus.UNIMPLEMENTED);
    const cut = await rawGrpc(session, '/t.T/Echo', { body: frameMessage(Buffer.from('abc')).subarray(0, 6) });
    assert.equal(cut.code, GrpcStatus.UNIMPLEMENTED);
  });

  test('not a gRPC request: GET is 405, another content type 415', async () => {
    const get = await rawGrpc(session, '/t.T/Echo', { method: 'GET' });
    assert.equal(get.headers[':status'], 405);
    const json = await rawGrpc(session, '/t.T/Echo', { headers: { 'content-type': 'application/json' }, body: Buffer.from('{}') });
    assert.equal(json.headers[':status'], 415);
  });

  test('grpc-timeout arms a deadline: DEADLINE_EXCEEDED when it passes, INTERNAL when unreadable', async () => {
    const started = Date.now();
    const late = await rawGrpc(session, '/t.T/Never', { headers: { 'grpc-timeout': '150m' }, body: frameMessage(Buffer.from('x')) });
    assert.deepEqual([late.code, late.message], [GrpcStatus.DEADLINE_EXCEEDED, 'Deadline exceeded']);
    assert.ok(Date.now() - started >= 140, `answered after ${Date.now() - started} ms`);
    const inTime = await rawGrpc(session, '/t.T/Later', { headers: { 'grpc-timeout': '10S' }, body: frameMessage(Buffer.from('x')) });
    assert.equal(inTime.trailers?.['grpc-status'], '0');
    const bad = await rawGrpc(session, '/t.T/Echo', { headers: { 'grpc-timeout': 'soon' }, body: frameMessage(Buffer.from('x')) });
    assert.deepEqual([bad.code, bad.message], [GrpcStatus.INTERNAL, 'Invalid grpc-timeout value "soon"']);
  });

  test('a message over the limit is refused from its prefix, before its body arrives', async () => {
    const prefixOnly = Buffer.from([0, 0, 0, 1, 0]);
    const answer = await rawGrpc(session, '/t.T/Echo', { body: prefixOnly, keepOpen: true });
    assert.deepEqual([answer.code, answer.message], [GrpcStatus.RESOURCE_EXHAUSTED, 'Received message larger than max (256 vs. 64)']);
    assert.equal(options.receiving.size, 0);
  });

  test('a compressed message is UNIMPLEMENTED under an encoding the listener does not offer', async () => {
    const answer = await rawGrpc(session, '/t.T/Echo', { headers: { 'grpc-encoding': 'snappy' }, body: Buffer.from([1, 0, 0, 0, 1, 0]) });
    assert.deepEqual([answer.code, answer.message], [GrpcStatus.UNIMPLEMENTED, 'Received message compressed with unsupported encoding "snappy"']);
  });

  test('a server-streaming method sends messages, then its status in trailers', async () => {
    const answer = await rawGrpc(session, '/t.T/Count', { body: frameMessage(Buffer.from('now')) });
    assert.deepEqual(answer.body, Buffer.concat([frameMessage(Buffer.from('1')), frameMessage(Buffer.from('2'))]));
    assert.equal(answer.trailers?.['grpc-status'], String(GrpcStatus.UNAVAILABLE));
    assert.equal(answer.message, 'done now');
  });
});
