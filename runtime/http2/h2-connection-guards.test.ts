// The runtime's HTTP/2 connection against hostile clients, in hand-built frames: header lists over the limit,
// more streams than allowed, garbage prefaces, rapid resets (CVE-2023-44487). Each guard must hit only the
// offending stream or connection: the next request, or another client, is still served.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:http2';
import { connect as connectTcp } from 'node:net';
import { ErrorCode, Flags, FrameType, MAX_WINDOW, PREFACE, Setting, frame, rstStreamFrame, settingsFrame, SETTINGS_ACK, windowUpdateFrame } from './frames.ts';
import { H2Server } from './h2-server.ts';
import { encodeHeaderBlock, encodeInteger } from './hpack-encoder.ts';
import { RawH2Client, errorCode, isFrame, requestFrame } from '../test-support/h2-raw.ts';
import { DONE_TRAILERS, OK_HEADERS, startTestServer, until } from '../test-support/h2-test-server.ts';
import type { TestServer } from '../test-support/h2-test-server.ts';

/** An HPACK string literal, not Huffman-coded. */
const literal = (text: string): Buffer => Buffer.concat([encodeInteger(text.length, 7, 0), Buffer.from(text, 'latin1')]);
/** Static table: :method POST (3), :scheme http (6), :path's name (4). */
const POST = 0x83;
const HTTP = 0x86;
const INCREMENTAL_INDEXING = 0x40;
const sha256OfNothing = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

const endsStream = (streamId: number) => (f: { type: number; flags: number; streamId: number }): boolean =>
  f.type === FrameType.HEADERS && f.streamId === streamId && (f.flags & Flags.END_STREAM) !== 0;

describe('HTTP/2 connection: guards against hostile clients', () => {
  let t: TestServer;
  const clients: RawH2Client[] = [];
  /** With 'bare', nothing is sent: no preface, no SETTINGS. */
  const open = async (settings: readonly (readonly [number, number])[] | 'bare' = []): Promise<RawH2Client> => {
    const client = await RawH2Client.open(t.port, settings === 'bare' ? undefined : settings);
    clients.push(client);
    return client;
  };
  before(async () => (t = await startTestServer({ maxConcurrentStreams: 3, maxHeaderListBytes: 4096 })));
  after(() => {
    for (const client of clients) client.close();
    t.server.stopAccepting();
    assert.deepEqual(t.unexpected, []);
  });

  test('a header list over the limit: RST_STREAM ENHANCE_YOUR_CALM, and the HPACK table it changed serves the next request', async () => {
    const client = await open();
    // :path /echo, x-token: sesame, a field that takes the list over 4096 octets, then x-late: after; the
    // table entries go in before and after the limit is crossed, and all must be there for the next block.
    const oversize = Buffer.concat([
      Buffer.from([POST, HTTP, INCREMENTAL_INDEXING | 4]), literal('/echo'),
      Buffer.from([INCREMENTAL_INDEXING]), literal('x-token'), literal('sesame'),
      Buffer.from([0x00]), literal('x-big'), literal('a'.repeat(5000)),
      Buffer.from([INCREMENTAL_INDEXING]), literal('x-late'), literal('after'),
    ]);
    client.send(frame(FrameType.HEADERS, Flags.END_HEADERS | Flags.END_STREAM, 1, oversize));
    const reset = await client.next(isFrame(FrameType.RST_STREAM, 1));
    assert.equal(errorCode(reset), ErrorCode.ENHANCE_YOUR_CALM);
    // Dynamic table now: 62 x-late, 63 x-token, 64 :path /echo.
    client.send(frame(FrameType.HEADERS, Flags.END_HEADERS | Flags.END_STREAM, 3, Buffer.from([POST, HTTP, 0x80 | 64, 0x80 | 63])));
    const data = await client.next(isFrame(FrameType.DATA, 3));
    assert.deepEqual(JSON.parse(data.payload.toString()), { length: 0, sha256: sha256OfNothing, token: 'sesame' });
    await client.next(endsStream(3));
    assert.equal(client.received(isFrame(FrameType.GOAWAY)).length, 0);
  });

  test('a stream over maxConcurrentStreams gets REFUSED_STREAM, its late body and trailers ignored; the others are still answered, the freed slots reused', async () => {
    t.held.clear();
    const client = await open();
    client.send(requestFrame(1, '/never', true), requestFrame(3, '/never', true), requestFrame(5, '/never', true), requestFrame(7, '/never', true));
    const refused = await client.next(isFrame(FrameType.RST_STREAM));
    assert.deepEqual([refused.streamId, errorCode(refused)], [7, ErrorCode.REFUSED_STREAM]);
    assert.deepEqual([...t.held.keys()], [1, 3, 5]);
    // What the client sent on stream 7 before it saw the refusal, body and trailers, is ignored (RFC 9113, 5.1).
    client.send(frame(FrameType.DATA, 0, 7, Buffer.from('body')), frame(FrameType.HEADERS, Flags.END_HEADERS | Flags.END_STREAM, 7, encodeHeaderBlock([['x-trailer', 'late']])));
    await client.barrier();
    assert.deepEqual(client.received(isFrame(FrameType.GOAWAY)), []);
    for (const stream of t.held.values()) stream.answer(OK_HEADERS, Buffer.from(`answer ${stream.id}`), DONE_TRAILERS);
    for (const id of [1, 3, 5]) {
      await client.next(endsStream(id));
      assert.equal(client.received(isFrame(FrameType.DATA, id))[0]!.payload.toString(), `answer ${id}`);
    }
    client.send(requestFrame(9, '/big/10', true));
    await client.next(endsStream(9));
    assert.deepEqual(client.received(isFrame(FrameType.RST_STREAM)).map((f) => f.streamId), [7]);
  });

  test('garbage instead of the preface: GOAWAY PROTOCOL_ERROR, then the socket closes', async () => {
    const client = await open('bare');
    client.send(Buffer.from('GET / HTTP/1.1\r\nHost: test\r\n\r\n'));
    const goAway = await client.next(isFrame(FrameType.GOAWAY));
    assert.deepEqual([goAway.payload.readUInt32BE(0), errorCode(goAway)], [0, ErrorCode.PROTOCOL_ERROR]);
    await client.closedWithin();
  });

  for (const [what, first] of [['a PING', frame(FrameType.PING, 0, 0, Buffer.alloc(8))], ['a SETTINGS ACK', SETTINGS_ACK]] as const) {
    test(`${what} as the first frame: GOAWAY PROTOCOL_ERROR, then the socket closes`, async () => {
      const client = await open('bare');
      client.send(PREFACE, first, settingsFrame([]));
      const goAway = await client.next(isFrame(FrameType.GOAWAY));
      assert.equal(errorCode(goAway), ErrorCode.PROTOCOL_ERROR);
      assert.equal(client.received(isFrame(FrameType.PING)).length, 0);
      await client.closedWithin();
    });
  }
});

describe('HTTP/2 connection: rapid reset', () => {
  let t: TestServer;
  before(async () => (t = await startTestServer()));
  after(() => {
    t.server.stopAccepting();
    assert.deepEqual(t.unexpected, []);
  });

  test('2000 streams opened and reset at once: GOAWAY ENHANCE_YOUR_CALM and the socket closed; another client is still served', async () => {
    const session = connect(`http://127.0.0.1:${t.port}`);
    try {
      // A well-behaved client that cancels a few of its requests, before and after the flood on another connection.
      const cancelled = Array.from({ length: 20 }, () => session.request({ ':method': 'POST', ':path': '/never' }));
      await until(() => t.held.size === 20);
      for (const stream of cancelled) stream.close(0x8);
      await until(() => t.aborts.size === 20);

      const hostile = await RawH2Client.open(t.port, [[Setting.INITIAL_WINDOW_SIZE, 65_535]]);
      const flood: Buffer[] = [];
      for (let id = 1; id < 4000; id += 2) flood.push(requestFrame(id, '/never', false), rstStreamFrame(id, ErrorCode.CANCEL));
      hostile.send(...flood);
      const goAway = await hostile.next(isFrame(FrameType.GOAWAY));
      assert.equal(errorCode(goAway), ErrorCode.ENHANCE_YOUR_CALM);
      // The guard allows a burst of 1000 resets (and 100 a second more), so it trips near the 1001st stream.
      const lastStreamId = goAway.payload.readUInt32BE(0);
      assert.ok(lastStreamId >= 2001 && lastStreamId < 2400, `GOAWAY's last stream ${lastStreamId}`);
      await hostile.closedWithin();

      const answer = await new Promise<string>((resolve, reject) => {
        const stream = session.request({ ':method': 'POST', ':path': '/big/5' });
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk)).on('error', reject).on('end', () => resolve(Buffer.concat(chunks).toString('hex')));
        stream.end();
      });
      assert.equal(answer, '0001020304');
    } finally {
      session.destroy();
    }
  });


  test('streams opened over the limit, refused one after another, trip the same guard as resets', async () => {
    t.held.clear();
    const hostile = await RawH2Client.open(t.port, [[Setting.INITIAL_WINDOW_SIZE, 65_535]]);
    // The test server allows 100 streams at once: 100 held, then 1,900 more refused without a reset from the client.
    try {
      const flood: Buffer[] = [];
      for (let id = 1; id < 4000; id += 2) flood.push(requestFrame(id, '/never', true));
      hostile.send(...flood);
      const goAway = await hostile.next(isFrame(FrameType.GOAWAY));
      assert.equal(errorCode(goAway), ErrorCode.ENHANCE_YOUR_CALM);
      const refused = hostile.received((f) => f.type === FrameType.RST_STREAM && errorCode(f) === ErrorCode.REFUSED_STREAM).length;
      assert.ok(refused >= 1000 && refused < 1200, `${refused} streams refused before GOAWAY`);
      await hostile.closedWithin();
    } finally {
      hostile.close();
    }
  });
});

describe('HTTP/2 connection: a client that does not read', () => {
  const unexpected: unknown[] = [];
  after(() => assert.deepEqual(unexpected, []));

  test('a client that sends requests and never reads the answers stops being read once 1 MiB lies unsent', async () => {
    let answered = 0;
    const server = new H2Server({
      maxConcurrentStreams: 100,
      maxHeaderListBytes: 16 * 1024,
      receiveWindow: 65_535,
      onStream: (stream) => {
        answered++;
        stream.onEnd = () => stream.answer(OK_HEADERS, Buffer.alloc(1024 * 1024), DONE_TRAILERS);
      },
      onUnexpected: (error) => unexpected.push(error),
    });
    const port = await server.listen('127.0.0.1', 0);
    // Flow control would stop the answers at 64 KiB; this client opens every window as wide as it goes.
    const socket = connectTcp(port, '127.0.0.1');
    socket.pause();
    try {
      socket.write(Buffer.concat([PREFACE, settingsFrame([[Setting.INITIAL_WINDOW_SIZE, MAX_WINDOW]]), windowUpdateFrame(0, MAX_WINDOW - 65_535)]));
      // 200 requests for 1 MiB each, a few at a time, so that the server gets to read between them.
      for (let id = 1; id < 400; id += 20) {
        const batch: Buffer[] = [];
        for (let next = id; next < id + 20; next += 2) batch.push(requestFrame(next, '/big', true));
        socket.write(Buffer.concat(batch));
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
      // What the kernel buffers on loopback plus 1 MiB: tens of answers, not the 200 asked for.
      assert.ok(answered > 0 && answered < 100, `${answered} requests were read and answered`);
      socket.resume();
      await until(() => answered === 200, 20_000);
    } finally {
      socket.destroy();
      server.stopAccepting();
    }
  });
});
