import type { IncomingMessage } from 'node:http';
import { ProtocolError } from '../protocol/errors.ts';
import { freeWholeBuffer } from '../free-buffer.ts';

/** Sees each chunk as it arrives and throws to stop reading (see json-guard.ts, binary-header-check.ts). */
export interface BodyWatcher {
  feed(chunk: Uint8Array): void;
}

/**
 * Reads a request body up to `limit` bytes; `paced` (for large bodies) reads a chunk per event-loop turn.
 * Done by hand rather than with express.json: infer bodies are parsed exactly once, by the protocol decoder,
 * and the binary tensor extension needs the raw bytes anyway.
 */
export function readBody(req: IncomingMessage, limit: number, watchers: readonly BodyWatcher[] = [], paced = false): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    return Promise.reject(tooLarge(limit));
  }
  // Closed while the request waited to be read (large-body-gate.ts): its 'close' has come and gone.
  if (req.destroyed) return Promise.reject(new ProtocolError(400, 'request body was cut off'));
  return new Promise((resolve, reject) => {
    const collect = collector(declared === undefined ? undefined : Number(declared));
    let size = 0;
    let done = false;
    const finish = (error?: Error): void => {
      cleanup();
      if (error) reject(error);
      else resolve(collect.body());
    };
    const onData = (chunk: Buffer): void => {
      if (paced) yieldAfterChunk();
      try {
        size += chunk.length;
        if (size > limit) throw tooLarge(limit);
        for (const watcher of watchers) watcher.feed(chunk);
      } catch (error) {
        finish(error as Error);
        return;
      }
      collect.add(chunk);
    };
    const onEnd = (): void => finish();
    const onError = (error: Error): void => finish(new ProtocolError(400, `request body could not be read: ${error.message}`));
    const onAborted = (): void => finish(new ProtocolError(400, 'request body was cut off'));
    /**
     * libuv reads a readable socket up to 32 times per event-loop turn, so two clients sending large bodies
     * make each turn parse and watch megabytes before a probe's request is even read. Pausing after each
     * chunk until the next turn lets every other connection in between.
     */
    function yieldAfterChunk(): void {
      req.pause();
      setImmediate(() => {
        if (!done) req.resume();
      });
    }
    function cleanup(): void {
      done = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onAborted);
    }
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onAborted);
  });
}

interface Collector {
  add(chunk: Buffer): void;
  body(): Buffer;
}

/**
 * Node's HTTP parser hands a body over in pieces of up to 64 KiB, so a body this large never arrives in one.
 */
const PREALLOCATE_FROM_BYTES = 64 * 1024;

/**
 * A body of declared length is copied chunk by chunk into one buffer of that length: no 64 MiB concatenation
 * at the end holding the HTTP thread at once, and no second copy of the body held beside its chunks. The
 * buffer's pages are only committed as they are written, so a declared length never sent costs no memory.
 * Node's parser stops a body at its Content-Length, so the chunks cannot overrun it. Smaller bodies keep
 * their chunks: most arrive in one, which is then the body itself, with no copy at all.
 *
 * Each chunk is freed as soon as it is copied. Left to the collector, a CNN image's 600 KB of chunks per
 * request counted towards the external memory that makes V8 run a full collection (every 8-12 such requests,
 * pausing the thread that answers probes for milliseconds each time); detached, they no longer count.
 */
function collector(declared: number | undefined): Collector {
  if (declared !== undefined && Number.isSafeInteger(declared) && declared >= PREALLOCATE_FROM_BYTES) {
    const target = Buffer.allocUnsafeSlow(declared);
    let filled = 0;
    return {
      add: (chunk) => {
        filled += chunk.copy(target, filled);
        // Node's HTTP parser gives each piece of a body (up to 64 KiB) a buffer of its own; once copied it is
        // garbage, and 1,000 of them per 64 MiB body waited for the HTTP thread's next collection.
        freeWholeBuffer(chunk);
      },
      body: () => (filled === declared ? target : target.subarray(0, filled)),
    };
  }
  const chunks: Buffer[] = [];
  let size = 0;
  return {
    add: (chunk) => {
      chunks.push(chunk);
      size += chunk.length;
    },
    body: () => {
      if (chunks.length === 1) return chunks[0]!;
      const body = Buffer.concat(chunks, size);
      // A large body of unknown length (chunked): its pieces are garbage once joined, as above.
      if (size >= PREALLOCATE_FROM_BYTES) for (const chunk of chunks) freeWholeBuffer(chunk);
      return body;
    },
  };
}

function tooLarge(limit: number): ProtocolError {
  return new ProtocolError(413, `request body exceeds ${limit} bytes`);
}
