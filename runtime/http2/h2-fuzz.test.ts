// Random frames after a valid preface: whatever a client sends, the connection either carries on or ends with
// GOAWAY; a handler never sees an exception of the server's own, and the server keeps serving new
// connections. Frames are built from the real types, flags and stream ids (so they reach the code paths
// behind the header check) with random lengths and payloads, plus header blocks of random octets.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect as connectTcp } from 'node:net';
import { connect } from 'node:http2';
import fc from 'fast-check';
import { frame, PREFACE, settingsFrame } from './frames.ts';
import { encodeHeaderBlock } from './hpack-encoder.ts';
import { H2Server } from './h2-server.ts';

const ANSWER = encodeHeaderBlock([[':status', '200']]);
const REQUEST = encodeHeaderBlock([[':method', 'POST'], [':scheme', 'http'], [':path', '/'], ['content-type', 'application/grpc']]);

const anyFrame = fc.record({
  type: fc.oneof({ arbitrary: fc.integer({ min: 0, max: 9 }), weight: 9 }, { arbitrary: fc.integer({ min: 10, max: 255 }), weight: 1 }),
  flags: fc.constantFrom(0, 0x1, 0x4, 0x5, 0x8, 0x20, 0x25, 0x2d, 0xff),
  streamId: fc.constantFrom(0, 1, 1, 3, 3, 2, 5, 0x7fffffff),
  payload: fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.constant(REQUEST), fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.uint8Array({ minLength: 8, maxLength: 8 })),
});

/** Sends the preface, SETTINGS and `frames`, then waits until the server closes or a short while passes. */
function send(port: number, frames: Buffer[]): Promise<void> {
  return new Promise((resolve) => {
    const socket = connectTcp(port, '127.0.0.1', () => socket.end(Buffer.concat([PREFACE, settingsFrame([]), ...frames])));
    socket.on('data', () => undefined);
    socket.on('error', () => undefined);
    const timer = setTimeout(() => socket.destroy(), 200);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

describe('HTTP/2 connection under random frames', () => {
  const unexpected: unknown[] = [];
  let server: H2Server;
  let port: number;

  before(async () => {
    server = new H2Server({
      maxConcurrentStreams: 4,
      maxHeaderListBytes: 1024,
      receiveWindow: 65_535,
      onStream: (stream) => {
        stream.onData = () => undefined;
        stream.onEnd = () => stream.answer(ANSWER, Buffer.from('ok'), encodeHeaderBlock([]));
      },
      onUnexpected: (error) => unexpected.push(error),
    });
    port = await server.listen('127.0.0.1', 0);
  });
  after(() => server.stopAccepting());

  test('no frame sequence makes the server fail unexpectedly, and it still answers afterwards', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(anyFrame, { maxLength: 12 }), async (frames) => {
        await send(port, frames.map((f) => frame(f.type, f.flags, f.streamId, f.payload)));
        assert.deepEqual(unexpected, []);
      }),
      { numRuns: 1500 },
    );
    const session = connect(`http://127.0.0.1:${port}`);
    try {
      const status = await new Promise((resolve, reject) => {
        const stream = session.request({ ':method': 'POST', ':path': '/' });
        stream.on('response', (headers) => resolve(headers[':status']));
        stream.on('error', reject);
        stream.resume();
        stream.end('x');
      });
      assert.equal(status, 200);
    } finally {
      session.close();
    }
    assert.deepEqual(unexpected, []);
    assert.equal(server.connections.size <= 1, true, 'connections ended by the random clients are gone');
  });
});
