// The runtime's HTTP/2 connection against a real client (node:http2) and hand-built frames: flow control in
// both directions, frame sizes, PING and SETTINGS answers, graceful close and streams the client resets.
// What h2spec checks (frame-by-frame conformance) is left to it; these are the behaviours it does not drive.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:http2';
import type { ClientHttp2Session } from 'node:http2';
import { ErrorCode, Flags, FrameType, Setting, frame, rstStreamFrame, settingsFrame, windowUpdateFrame } from './frames.ts';
import { RawH2Client, errorCode, isFrame, requestFrame } from '../test-support/h2-raw.ts';
import { streamAnswer } from '../test-support/grpc-raw.ts';
import type { ReceivedFrame } from '../test-support/h2-raw.ts';
import { DONE_TRAILERS, OK_HEADERS, pattern, sha256, startTestServer, until } from '../test-support/h2-test-server.ts';
import type { TestServer } from '../test-support/h2-test-server.ts';

function exchange(session: ClientHttp2Session, path: string, body?: Buffer): ReturnType<typeof streamAnswer> {
  const stream = session.request({ ':method': 'POST', ':path': path });
  stream.on('error', () => undefined);
  stream.end(body);
  return streamAnswer(stream);
}

const dataBytes = (frames: ReceivedFrame[]): number => frames.reduce((sum, f) => sum + f.payload.length, 0);

describe('HTTP/2 connection: flow control, and close() seen by a real client', () => {
  let t: TestServer;
  const sessions: ClientHttp2Session[] = [];
  const open = (settings: { initialWindowSize?: number } = {}): ClientHttp2Session => {
    const session = connect(`http://127.0.0.1:${t.port}`, { settings });
    sessions.push(session);
    return session;
  };
  before(async () => (t = await startTestServer({ receiveWindow: 1024 * 1024 })));
  after(() => {
    for (const session of sessions) session.destroy();
    t.server.stopAccepting();
    assert.deepEqual(t.unexpected, []);
  });

  test('a 5 MiB request body, five times the receive window, arrives whole and in order', { timeout: 20_000 }, async () => {
    const body = pattern(5 * 1024 * 1024 + 7);
    const answer = await exchange(open(), '/echo', body);
    assert.deepEqual(JSON.parse(answer.body.toString()), { length: body.length, sha256: sha256(body), token: null });
    assert.equal(answer.trailers?.['x-done'], 'yes');
  });

  test('a 4 MiB answer reaches a client whose stream window is 16 KiB, then its trailers', { timeout: 20_000 }, async () => {
    const answer = await exchange(open({ initialWindowSize: 16 * 1024 }), `/big/${4 * 1024 * 1024}`);
    assert.equal(answer.headers[':status'], 200);
    assert.equal(answer.body.length, 4 * 1024 * 1024);
    assert.ok(answer.body.equals(pattern(4 * 1024 * 1024)));
    assert.equal(answer.trailers?.['x-done'], 'yes');
  });

  test('DATA stops at the stream window, then at the connection window, and goes on with WINDOW_UPDATEs', async () => {
    const client = await RawH2Client.open(t.port, [[Setting.INITIAL_WINDOW_SIZE, 16 * 1024]]);
    try {
      const size = 200_000;
      const onStream1 = isFrame(FrameType.DATA, 1);
      client.send(requestFrame(1, `/big/${size}`, true));
      await client.barrier();
      assert.equal(dataBytes(client.received(onStream1)), 16 * 1024, 'the stream window of 16 KiB');
      client.send(windowUpdateFrame(1, size));
      await client.barrier();
      assert.equal(dataBytes(client.received(onStream1)), 65_535, 'the connection window, still the default');
      assert.equal(client.received(isFrame(FrameType.HEADERS, 1)).length, 1, 'no trailers before the data');
      client.send(windowUpdateFrame(0, size));
      const trailers = await client.next((f) => f.type === FrameType.HEADERS && (f.flags & Flags.END_STREAM) !== 0);
      const data = client.received(onStream1);
      assert.ok(Buffer.concat(data.map((f) => f.payload)).equals(pattern(size)));
      assert.ok(data.every((f) => f.payload.length <= 16 * 1024 && (f.flags & Flags.END_STREAM) === 0));
      assert.ok(client.frames.indexOf(trailers) > client.frames.indexOf(data.at(-1)!), 'trailers after the last DATA');
    } finally {
      client.close();
    }
  });

  test('a client lowering INITIAL_WINDOW_SIZE mid-answer takes the difference off open streams: DATA waits until the window is above zero', async () => {
    const client = await RawH2Client.open(t.port, [[Setting.INITIAL_WINDOW_SIZE, 16 * 1024]]);
    try {
      const size = 100_000;
      const onStream1 = isFrame(FrameType.DATA, 1);
      client.send(requestFrame(1, `/big/${size}`, true), windowUpdateFrame(0, size));
      await client.barrier();
      assert.equal(dataBytes(client.received(onStream1)), 16 * 1024);
      // 16 KiB down to 4 KiB: the stream's window, used up, is now -12 KiB (RFC 9113, 6.9.2).
      client.send(settingsFrame([[Setting.INITIAL_WINDOW_SIZE, 4 * 1024]]), windowUpdateFrame(1, 12 * 1024));
      await client.barrier();
      assert.equal(dataBytes(client.received(onStream1)), 16 * 1024, 'a window back at zero sends nothing');
      client.send(windowUpdateFrame(1, 1000));
      await client.barrier();
      assert.equal(dataBytes(client.received(onStream1)), 16 * 1024 + 1000);
      client.send(windowUpdateFrame(1, size));
      await client.next((f) => f.type === FrameType.HEADERS && f.streamId === 1 && (f.flags & Flags.END_STREAM) !== 0);
      assert.ok(Buffer.concat(client.received(onStream1).map((f) => f.payload)).equals(pattern(size)));
    } finally {
      client.close();
    }
  });

  test('DATA still arriving for a stream already answered counts against the connection window, which is reopened', async () => {
    const client = await RawH2Client.open(t.port, []);
    try {
      // /nowhere is answered 404 at its headers: the server resets the rest of the request with NO_ERROR.
      client.send(requestFrame(1, '/nowhere', false));
      const reset = await client.next(isFrame(FrameType.RST_STREAM, 1));
      assert.equal(errorCode(reset), ErrorCode.NO_ERROR);
      const chunk = pattern(16 * 1024);
      client.send(...Array.from({ length: 192 }, () => frame(FrameType.DATA, 0, 1, chunk)));
      await client.barrier();
      assert.deepEqual(client.received(isFrame(FrameType.GOAWAY)), []);
      const reopened = client.received(isFrame(FrameType.WINDOW_UPDATE, 0)).reduce((sum, f) => sum + f.payload.readUInt32BE(0), 0);
      assert.ok(reopened >= 3 * 1024 * 1024 - 1024 * 1024, `the connection window reopened by ${reopened}`);
      client.send(requestFrame(3, '/echo', true));
      await client.next((f) => f.type === FrameType.HEADERS && f.streamId === 3 && (f.flags & Flags.END_STREAM) !== 0);
    } finally {
      client.close();
    }
  });

  test('close() seen by node:http2: goaway NO_ERROR naming the open stream, whose answer still arrives, then the session closes', async () => {
    t.held.clear();
    const session = open();
    const goAway = new Promise<[number, number]>((resolve) => session.on('goaway', (code, lastStreamId) => resolve([code, lastStreamId])));
    const closed = new Promise<void>((resolve) => session.on('close', resolve));
    const answer = exchange(session, '/never');
    await until(() => t.held.size === 1);
    for (const connection of t.server.connections) connection.close();
    assert.deepEqual(await goAway, [ErrorCode.NO_ERROR, 1]);
    t.held.get(1)!.answer(OK_HEADERS, Buffer.from('still here'), DONE_TRAILERS);
    const received = await answer;
    assert.deepEqual([received.body.toString(), received.trailers?.['x-done']], ['still here', 'yes']);
    await closed;
  });
});

describe('HTTP/2 connection: frame sizes, PING, SETTINGS, close and resets', () => {
  let t: TestServer;
  const clients: RawH2Client[] = [];
  const open = async (settings: readonly (readonly [number, number])[] = []): Promise<RawH2Client> => {
    const client = await RawH2Client.open(t.port, settings);
    clients.push(client);
    return client;
  };
  before(async () => (t = await startTestServer()));
  after(() => {
    for (const client of clients) client.close();
    t.server.stopAccepting();
    assert.deepEqual(t.unexpected, []);
  });

  test('a client raising MAX_FRAME_SIZE to 1 MiB gets DATA frames up to 1 MiB, never more; lowering it back is obeyed', async () => {
    const client = await open([[Setting.MAX_FRAME_SIZE, 1 << 20], [Setting.INITIAL_WINDOW_SIZE, 8 << 20]]);
    client.send(windowUpdateFrame(0, 16 << 20), requestFrame(1, `/big/${3 << 20}`, true));
    await client.next((f) => f.type === FrameType.HEADERS && f.streamId === 1 && (f.flags & Flags.END_STREAM) !== 0);
    const large = client.received(isFrame(FrameType.DATA, 1)).map((f) => f.payload.length);
    assert.equal(large.reduce((a, b) => a + b, 0), 3 << 20);
    assert.equal(Math.max(...large), 1 << 20, 'frames grow to the client\'s maximum and no further');

    const from = client.frames.length;
    client.send(settingsFrame([[Setting.MAX_FRAME_SIZE, 16_384]]), requestFrame(3, `/big/${1 << 20}`, true));
    await client.next((f) => f.type === FrameType.HEADERS && f.streamId === 3 && (f.flags & Flags.END_STREAM) !== 0);
    const small = client.received(isFrame(FrameType.DATA, 3), from).map((f) => f.payload.length);
    assert.equal(small.reduce((a, b) => a + b, 0), 1 << 20);
    assert.equal(Math.max(...small), 16_384);
  });

  test('MAX_FRAME_SIZE below 16 KiB is a connection error: GOAWAY PROTOCOL_ERROR', async () => {
    const client = await open([[Setting.MAX_FRAME_SIZE, 16_383]]);
    const goAway = await client.next(isFrame(FrameType.GOAWAY));
    assert.equal(errorCode(goAway), ErrorCode.PROTOCOL_ERROR);
    await client.closedWithin();
  });

  test('a PING gets an ACK with the same 8 octets, a PING ACK gets nothing, and each SETTINGS gets an ACK', async () => {
    const client = await open([[Setting.INITIAL_WINDOW_SIZE, 100_000]]);
    const opaque = Buffer.from('h2-ping!');
    client.send(frame(FrameType.PING, Flags.ACK, 0, Buffer.from('not-mine')), frame(FrameType.PING, 0, 0, opaque));
    const pong = await client.next(isFrame(FrameType.PING));
    assert.deepEqual([pong.flags, pong.streamId, pong.payload], [Flags.ACK, 0, opaque]);
    client.send(settingsFrame([[Setting.HEADER_TABLE_SIZE, 0]]));
    await client.barrier();
    const acks = client.received((f) => f.type === FrameType.SETTINGS && f.flags === Flags.ACK);
    assert.equal(acks.length, 2, 'one ACK for the first SETTINGS, one for the second');
    assert.ok(acks.every((f) => f.payload.length === 0 && f.streamId === 0));
    assert.equal(client.received(isFrame(FrameType.PING)).length, 2, 'the PING and the barrier\'s; nothing for the ACK');
  });

  test('close(): GOAWAY NO_ERROR with the last stream, the open stream still answered, new streams refused, then the socket ends', async () => {
    const client = await open();
    client.send(requestFrame(1, '/never', true));
    await until(() => t.held.has(1) && t.server.connections.size > 0);
    for (const connection of t.server.connections) connection.close();
    const goAway = await client.next(isFrame(FrameType.GOAWAY));
    assert.deepEqual([goAway.payload.readUInt32BE(0), errorCode(goAway)], [1, ErrorCode.NO_ERROR]);
    client.send(requestFrame(3, '/big/10', true));
    const refused = await client.next(isFrame(FrameType.RST_STREAM));
    assert.deepEqual([refused.streamId, errorCode(refused)], [3, ErrorCode.REFUSED_STREAM]);
    t.held.get(1)!.answer(OK_HEADERS, Buffer.from('late'), DONE_TRAILERS);
    await client.closedWithin();
    const stream1 = client.received((f) => f.streamId === 1).map((f) => [f.type, f.flags]);
    assert.deepEqual(stream1, [[FrameType.HEADERS, Flags.END_HEADERS], [FrameType.DATA, 0], [FrameType.HEADERS, Flags.END_HEADERS | Flags.END_STREAM]]);
    assert.equal(client.received(isFrame(FrameType.DATA, 1))[0]!.payload.toString(), 'late');
    assert.equal(client.received(isFrame(FrameType.GOAWAY)).length, 1);
  });

  test('a stream the client resets mid-request fires onAbort once, and answering it afterwards sends nothing', async () => {
    t.held.clear();
    t.aborts.clear();
    const client = await open();
    client.send(requestFrame(1, '/never', false), frame(FrameType.DATA, 0, 1, Buffer.from('part of a body')));
    await until(() => t.held.has(1));
    client.send(rstStreamFrame(1, ErrorCode.CANCEL));
    await client.barrier();
    assert.equal(t.aborts.get(1), 1);
    const stream = t.held.get(1)!;
    stream.answer(OK_HEADERS, Buffer.from('too late'), DONE_TRAILERS);
    stream.reset(ErrorCode.INTERNAL_ERROR);
    await client.barrier();
    assert.deepEqual(client.received((f) => f.streamId === 1), []);
    client.close();
    await until(() => t.server.connections.size === 0);
    assert.equal(t.aborts.get(1), 1, 'the connection closing does not abort it again');
  });
});
