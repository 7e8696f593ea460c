import type { IncomingMessage } from 'node:http';
import { ProtocolError } from '../protocol/errors.ts';

/** Sees each chunk as it arrives and throws to stop reading (see json-guard.ts, binary-header-check.ts). */
export interface BodyWatcher {
  feed(chunk: Uint8Array): void;
}

/**
 * Reads a request body up to `limit` bytes. Done by hand rather than with express.json: infer bodies are
 * parsed exactly once, by the protocol decoder, and the binary tensor extension needs the raw bytes anyway.
 */
export function readBody(req: IncomingMessage, limit: number, watchers: readonly BodyWatcher[] = []): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    return Promise.reject(tooLarge(limit));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        reject(tooLarge(limit));
        return;
      }
      try {
        for (const watcher of watchers) watcher.feed(chunk);
      } catch (error) {
        cleanup();
        reject(error as Error);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(new ProtocolError(400, `request body could not be read: ${error.message}`));
    };
    const onAborted = (): void => {
      cleanup();
      reject(new ProtocolError(400, 'request body was cut off'));
    };
    function cleanup(): void {
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

function tooLarge(limit: number): ProtocolError {
  return new ProtocolError(413, `request body exceeds ${limit} bytes`);
}
