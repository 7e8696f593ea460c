import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { duplexPair } from 'node:stream';
import { test } from 'node:test';
import { dialPodPort } from './pod-dialer.ts';
import { servePortForward } from './port-forward.ts';
import { TestSpdyClient } from './spdy-client.ts';
import {
  FrameReader,
  FrameType,
  HEADER_DICTIONARY,
  decodeHeaderBlock,
  encodeControlFrame,
  encodeDataFrame,
  encodeHeaderBlock,
} from './spdy-frames.ts';
import { SpdySession } from './spdy-session.ts';

function adler32(bytes: Buffer): number {
  let a = 1;
  let b = 0;
  for (const byte of bytes) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return (b * 65536 + a) >>> 0;
}

test('the header dictionary is the one of SPDY/3 (its zlib id, the adler32 peers check)', () => {
  assert.equal(HEADER_DICTIONARY.length, 1423);
  assert.equal(adler32(HEADER_DICTIONARY), 0xe3c6a7c2);
});

test('header blocks round-trip, names lowercased', () => {
  const block = encodeHeaderBlock({ StreamType: 'data', port: '8080', requestID: '0' });
  assert.deepEqual(decodeHeaderBlock(block), { streamtype: 'data', port: '8080', requestid: '0' });
  assert.throws(() => decodeHeaderBlock(block.subarray(0, block.length - 1)), /truncated/);
});

test('frames are split out of a byte stream whatever the chunking', () => {
  const bytes = Buffer.concat([
    encodeDataFrame(3, Buffer.from('hello'), true),
    encodeControlFrame(FrameType.ping, 0, Buffer.from([0, 0, 0, 7])),
  ]);
  const reader = new FrameReader();
  const frames = [...bytes].flatMap((byte) => reader.push(Buffer.from([byte])));
  assert.deepEqual(frames, [
    { kind: 'data', streamId: 3, flags: 1, data: Buffer.from('hello') },
    { kind: 'control', type: FrameType.ping, flags: 0, body: Buffer.from([0, 0, 0, 7]) },
  ]);
  assert.equal(bytes.readUInt16BE(13), 0x8003, 'control frames: the control bit, then version 3');
});

function sessionPair(): { server: SpdySession; client: TestSpdyClient } {
  const [serverSide, clientSide] = duplexPair();
  return { server: new SpdySession(serverSide), client: new TestSpdyClient(clientSide) };
}

test('streams are answered, carry data both ways with half-close, and pings are echoed', async () => {
  const { server, client } = sessionPair();
  const received: string[] = [];
  server.on('stream', (stream) => {
    stream.on('data', (chunk: Buffer) => received.push(chunk.toString()));
    stream.on('end', () => {
      stream.write(Buffer.from(`got ${received.join('')} as ${stream.headers.streamtype}`));
      stream.end();
    });
  });
  // Several streams in a row: the header compression context carries over from one block to the next.
  const first = await client.open({ streamType: 'data' });
  const second = await client.open({ streamType: 'other' });
  client.write(first, Buffer.from('abc'), true);
  client.ping(1);
  await client.until(() => client.streams.get(first)!.ended && client.streams.get(second)!.replied && client.pings.length === 1);
  assert.equal(client.text(first), 'got abc as data');
  assert.deepEqual(client.pings, [1]);
  client.close();
});

async function listen(handler: (socket: import('node:net').Socket) => void): Promise<{ server: Server; port: number }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

test('port-forward pairs streams by request id and relays a connection, more than one flow window of it', async () => {
  const big = Buffer.alloc(300 * 1024, 'x');
  const { server, port } = await listen((socket) => socket.once('data', (chunk: Buffer) => socket.end(Buffer.concat([chunk, big]))));
  const { server: session, client } = sessionPair();
  servePortForward(session, { podName: 'ns/p', uid: 'u1', dial: (target) => dialPodPort(undefined, target) });
  const error = await client.open({ streamType: 'error', port: String(port), requestID: '0' }, true);
  const data = await client.open({ streamType: 'data', port: String(port), requestID: '0' });
  client.write(data, Buffer.from('ping:'));
  await client.until(() => client.streams.get(data)!.ended && client.streams.get(error)!.ended);
  assert.equal(client.text(data), `ping:${big.toString()}`);
  assert.equal(client.text(error), '');
  client.close();
  server.close();
});

test('a refused port is reported on the error stream, as kubectl expects', async () => {
  const { server, port } = await listen(() => undefined);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const { server: session, client } = sessionPair();
  servePortForward(session, { podName: 'ns/p', uid: 'u1', dial: (target) => dialPodPort(undefined, target) });
  const error = await client.open({ streamType: 'error', port: String(port), requestID: '7' }, true);
  const data = await client.open({ streamType: 'data', port: String(port), requestID: '7' });
  await client.until(() => client.streams.get(data)!.ended && client.streams.get(error)!.ended);
  assert.match(client.text(error), new RegExp(`^error forwarding port ${port} to pod ns/p, uid u1: .*ECONNREFUSED`));
  client.close();
});
