import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from './read-body.ts';

async function readsIntactFreeingChunks(bytes: number, chunked = false): Promise<void> {
  const sent = Buffer.alloc(bytes);
  for (let i = 0; i < sent.length; i++) sent[i] = (i * 31 + (i >> 12)) & 0xff;
  const chunks: Uint8Array[] = [];
  let received: Buffer | undefined;
  const server = createServer((req, res) => {
    readBody(req, sent.length, [{ feed: (chunk) => void chunks.push(chunk) }]).then(
      (body) => {
        received = body;
        res.end();
      },
      (error: Error) => res.writeHead(500).end(error.message),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const status = await new Promise<number>((resolve, reject) => {
      const headers = chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': sent.length };
      const req = request({ port, host: '127.0.0.1', method: 'POST', headers }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end(sent);
    });
    assert.equal(status, 200);
    assert.ok(received !== undefined && received.equals(sent), 'the body read is the body sent');
    assert.ok(chunks.length > 1, `the body came in ${chunks.length} chunk(s)`);
    // Node's HTTP parser gives each chunk a buffer of its own: every one is detached once copied (a body of
    // unknown length: once joined).
    const kept = chunks.filter((chunk) => !(chunk.buffer instanceof ArrayBuffer && chunk.buffer.detached)).length;
    assert.equal(kept, 0, `${kept} of ${chunks.length} chunks still hold their memory`);
  } finally {
    server.close();
  }
}

test('a large body arrives intact, and the chunks it came in are freed as soon as they are copied', () => readsIntactFreeingChunks(3 * 1024 * 1024));

// A CNN image in binary (3 x 224 x 224 FP32): its chunks must not wait for the HTTP thread's collector either.
test('so does a body of a few hundred kilobytes', () => readsIntactFreeingChunks(3 * 224 * 224 * 4 + 200));

// Without a Content-Length (chunked transfer coding) the body's size is known only at its end.
test('a large body of unknown length arrives intact, and its chunks are freed once joined', () => readsIntactFreeingChunks(3 * 1024 * 1024, true));
