/**
 * Test support: the runtime's HTTP/2 server in this process with a few small handlers, for tests of the
 * connection itself (flow control, limits, guards) rather than of gRPC.
 *   /echo       reads the whole body; answers {length, sha256, token: the x-token header} as JSON
 *   /big/<n>    answers n octets (byte i is i % 251), then trailers x-done: yes
 *   /never      never answers; the stream is kept in `held`, its onAbort calls counted in `aborts`
 */
import { createHash } from 'node:crypto';
import { H2Server } from '../http2/h2-server.ts';
import type { H2Stream } from '../http2/h2-stream.ts';
import { encodeHeaderBlock } from '../http2/hpack-encoder.ts';

export interface TestServer {
  server: H2Server;
  port: number;
  held: Map<number, H2Stream>;
  aborts: Map<number, number>;
  unexpected: unknown[];
}

export const OK_HEADERS = encodeHeaderBlock([[':status', '200']]);
export const DONE_TRAILERS = encodeHeaderBlock([['x-done', 'yes']]);

export function pattern(length: number): Buffer {
  const bytes = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) bytes[i] = i % 251;
  return bytes;
}

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export async function startTestServer(limits: { maxConcurrentStreams?: number; maxHeaderListBytes?: number; receiveWindow?: number } = {}): Promise<TestServer> {
  const held = new Map<number, H2Stream>();
  const aborts = new Map<number, number>();
  const unexpected: unknown[] = [];
  const server = new H2Server({
    maxConcurrentStreams: limits.maxConcurrentStreams ?? 100,
    maxHeaderListBytes: limits.maxHeaderListBytes ?? 16 * 1024,
    receiveWindow: limits.receiveWindow ?? 1024 * 1024,
    onUnexpected: (error) => unexpected.push(error),
    onStream: (stream) => {
      const path = stream.headers[':path'] ?? '';
      if (path === '/echo') {
        const chunks: Buffer[] = [];
        stream.onData = (chunk) => chunks.push(Buffer.from(chunk));
        stream.onEnd = () => {
          const body = Buffer.concat(chunks);
          const answer = { length: body.length, sha256: sha256(body), token: stream.headers['x-token'] ?? null };
          stream.answer(OK_HEADERS, Buffer.from(JSON.stringify(answer)), DONE_TRAILERS);
        };
      } else if (path.startsWith('/big/')) {
        stream.onEnd = () => stream.answer(OK_HEADERS, pattern(Number(path.slice('/big/'.length))), DONE_TRAILERS);
      } else if (path === '/never') {
        held.set(stream.id, stream);
        stream.onAbort = () => aborts.set(stream.id, (aborts.get(stream.id) ?? 0) + 1);
      } else {
        stream.end(encodeHeaderBlock([[':status', '404']]));
      }
    },
  });
  return { server, port: await server.listen('127.0.0.1', 0), held, aborts, unexpected };
}

/** Waits until `condition` holds (checked every few milliseconds), or fails after `timeoutMs`. */
export async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('the condition did not hold in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
