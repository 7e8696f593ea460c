import { gunzipSync, inflateSync } from 'node:zlib';
import { GrpcError, GrpcStatus } from './grpc-errors.ts';

/**
 * gRPC's length-prefixed messages on an HTTP/2 stream: one flag byte (1 = compressed), the length as a
 * 32-bit big-endian integer, the message. The reader takes the stream's chunks as they come: a message that
 * arrives within one chunk (the usual case for small calls) is handed on as a view of that chunk, without a
 * copy; one split across chunks is joined once it is whole. The length is checked as soon as the prefix is
 * in, so a message over the limit is refused before any of it is kept.
 *
 * Compressed messages are accepted in the encodings grpc-js and Triton's clients offer (gzip, and deflate
 * in zlib's wrapper), inflated with the same limit on what they expand to, so a small compressed message
 * cannot become a large one. Answers are never compressed, which gRPC allows whatever the client accepts.
 */

/** What `grpc-accept-encoding` advertises: the encodings this reader inflates. */
export const ACCEPTED_ENCODINGS = 'identity,gzip,deflate';

export const PREFIX_BYTES = 5;

export function frameMessage(message: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(PREFIX_BYTES + message.byteLength);
  frame[0] = 0;
  frame.writeUInt32BE(message.byteLength, 1);
  frame.set(message, PREFIX_BYTES);
  return frame;
}

export class MessageReader {
  /** Messages read whole so far, in order. */
  readonly messages: Buffer[] = [];
  /** What the first message's prefix declared, once it is in; -1 before. */
  firstDeclaredBytes = -1;
  readonly #maxBytes: number;
  readonly #encoding: string | undefined;
  /** Prefix bytes gathered when a prefix is split across chunks. */
  #prefix: Buffer | undefined;
  #prefixFill = 0;
  /** The length of the message being read, or -1 while reading a prefix. */
  #length = -1;
  /** The pieces of a message split across chunks (none for one that came whole). */
  #parts: Buffer[] | undefined;
  #partsBytes = 0;
  /** Whether the message being read carries the compressed flag. */
  #compressed = false;

  /** `encoding` is the call's `grpc-encoding` header: what a message with the compressed flag is in. */
  constructor(maxBytes: number, encoding: string | undefined) {
    this.#maxBytes = maxBytes;
    this.#encoding = encoding;
  }

  /** True when no message is partly read. */
  get atBoundary(): boolean {
    return this.#length === -1 && this.#prefixFill === 0;
  }

  /** Takes one chunk; throws a GrpcError for a message the listener refuses. */
  push(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      offset = this.#length === -1 ? this.#readPrefix(chunk, offset) : this.#readBody(chunk, offset);
    }
  }

  #readPrefix(chunk: Buffer, offset: number): number {
    if (this.#prefixFill === 0 && chunk.length - offset >= PREFIX_BYTES) {
      this.#start(chunk[offset]!, chunk.readUInt32BE(offset + 1));
      return offset + PREFIX_BYTES;
    }
    this.#prefix ??= Buffer.allocUnsafe(PREFIX_BYTES);
    const taken = Math.min(PREFIX_BYTES - this.#prefixFill, chunk.length - offset);
    chunk.copy(this.#prefix, this.#prefixFill, offset, offset + taken);
    this.#prefixFill += taken;
    if (this.#prefixFill === PREFIX_BYTES) {
      this.#prefixFill = 0;
      this.#start(this.#prefix[0]!, this.#prefix.readUInt32BE(1));
    }
    return offset + taken;
  }

  #start(flag: number, length: number): void {
    if (flag === 1 && !isInflatable(this.#encoding)) throw compressedError(this.#encoding);
    if (flag !== 0 && flag !== 1) throw new GrpcError(GrpcStatus.INTERNAL, `invalid gRPC message flag ${flag}`);
    if (length > this.#maxBytes) {
      throw new GrpcError(GrpcStatus.RESOURCE_EXHAUSTED, `Received message larger than max (${length} vs. ${this.#maxBytes})`);
    }
    if (this.firstDeclaredBytes === -1) this.firstDeclaredBytes = length;
    this.#length = length;
    this.#compressed = flag === 1;
    if (length === 0) this.#finish(Buffer.alloc(0));
  }

  #readBody(chunk: Buffer, offset: number): number {
    const missing = this.#length - this.#partsBytes;
    const available = chunk.length - offset;
    if (this.#partsBytes === 0 && available >= missing) {
      this.#finish(chunk.subarray(offset, offset + missing));
      return offset + missing;
    }
    const taken = Math.min(missing, available);
    (this.#parts ??= []).push(chunk.subarray(offset, offset + taken));
    this.#partsBytes += taken;
    if (this.#partsBytes === this.#length) this.#finish(Buffer.concat(this.#parts, this.#length));
    return offset + taken;
  }

  #finish(message: Buffer): void {
    this.messages.push(this.#compressed ? inflate(message, this.#encoding!, this.#maxBytes) : message);
    this.#length = -1;
    this.#parts = undefined;
    this.#partsBytes = 0;
  }
}

function isInflatable(encoding: string | undefined): boolean {
  return encoding === 'gzip' || encoding === 'deflate';
}

function inflate(message: Buffer, encoding: string, maxBytes: number): Buffer {
  try {
    return encoding === 'gzip' ? gunzipSync(message, { maxOutputLength: maxBytes }) : inflateSync(message, { maxOutputLength: maxBytes });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new GrpcError(GrpcStatus.RESOURCE_EXHAUSTED, `Received message that decompresses to more than the max (${maxBytes} bytes)`);
    }
    throw new GrpcError(GrpcStatus.INTERNAL, `Received message that does not decompress as ${encoding}: ${(error as Error).message}`);
  }
}

/**
 * A compressed message under an encoding the listener does not offer is UNIMPLEMENTED (the code clients
 * treat as "not supported, do not retry"); the flag set without any encoding is a broken client.
 */
function compressedError(encoding: string | undefined): GrpcError {
  if (encoding === undefined || encoding === 'identity') {
    return new GrpcError(GrpcStatus.INTERNAL, 'compressed flag set on a message without a grpc-encoding');
  }
  return new GrpcError(GrpcStatus.UNIMPLEMENTED, `Received message compressed with unsupported encoding "${encoding}"`);
}
