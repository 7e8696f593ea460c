import type { ModelSignature } from '../model/signature.ts';
import type { RequestLimits } from '../protocol/request-limits.ts';
import { checkBinaryHeader } from '../protocol/v2-infer-request.ts';
import type { BodyWatcher } from './read-body.ts';

/**
 * Watches a binary-extension body (JSON header, then tensor bytes) and checks the header as soon as it has
 * arrived: a wrong datatype, a shape over the limits or sizes that do not add up are refused then, before the
 * megabytes of tensor data behind it are read, buffered and decoded.
 */
export class BinaryHeaderCheck implements BodyWatcher {
  readonly #header: Buffer;
  #received = 0;
  readonly #check: (json: string) => void;

  /** `bodyBytes`: the declared Content-Length; undefined for a chunked body, whose sizes are checked at the end. */
  constructor(headerBytes: number, bodyBytes: number | undefined, signature: ModelSignature, limits: RequestLimits) {
    this.#header = Buffer.alloc(headerBytes);
    const binaryLength = bodyBytes === undefined ? undefined : bodyBytes - headerBytes;
    this.#check = (json) => checkBinaryHeader(json, signature, limits, binaryLength);
    if (headerBytes === 0) this.#check('');
  }

  feed(chunk: Uint8Array): void {
    const wanted = this.#header.length - this.#received;
    if (wanted <= 0) return;
    const part = chunk.subarray(0, wanted);
    this.#header.set(part, this.#received);
    this.#received += part.length;
    if (this.#received === this.#header.length) this.#check(this.#header.toString('utf8'));
  }
}
