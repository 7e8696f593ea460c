import { ConnectionError } from './connection-error.ts';
import { ErrorCode, Flags } from './frames.ts';
import { HpackDecoder } from './hpack-decoder.ts';
import type { HeaderField } from './hpack-decoder.ts';
import { HpackError } from './hpack-error.ts';

/**
 * A header block from its HEADERS frame and any CONTINUATION frames (RFC 9113, 6.2 and 6.10), decoded once
 * whole. Every block is decoded, even one for a stream about to be refused, since each may change the HPACK
 * table the client's next blocks refer to. A block's encoded size is capped at twice the header list limit:
 * a client sending CONTINUATION frames without end is cut off rather than buffered.
 */

export interface CompletedBlock {
  streamId: number;
  fields: HeaderField[];
  oversize: boolean;
  endStream: boolean;
  /** The HEADERS frame made the stream depend on itself: a stream error (RFC 9113, 5.3.1). */
  selfDependent: boolean;
}

interface PartialBlock {
  streamId: number;
  parts: Buffer[];
  bytes: number;
  endStream: boolean;
  selfDependent: boolean;
}

const PRIORITY_BYTES = 5;

export class HeaderBlockAssembler {
  readonly #decoder = new HpackDecoder();
  readonly #maxListBytes: number;
  #partial: PartialBlock | undefined;

  constructor(maxListBytes: number) {
    this.#maxListBytes = maxListBytes;
  }

  get inProgress(): boolean {
    return this.#partial !== undefined;
  }

  headers(flags: number, streamId: number, payload: Buffer): CompletedBlock | undefined {
    if (streamId === 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, 'HEADERS on stream 0');
    let fragment = payload;
    let padding = 0;
    if ((flags & Flags.PADDED) !== 0) {
      padding = fragment[0] ?? 0;
      fragment = fragment.subarray(1);
    }
    let selfDependent = false;
    if ((flags & Flags.PRIORITY) !== 0) {
      if (fragment.length < PRIORITY_BYTES) throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, 'HEADERS too short for its priority');
      selfDependent = (fragment.readUInt32BE(0) & 0x7fffffff) === streamId;
      fragment = fragment.subarray(PRIORITY_BYTES);
    }
    if (padding > fragment.length || payload.length === 0 && (flags & Flags.PADDED) !== 0) {
      throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, 'padding as long as the frame');
    }
    fragment = fragment.subarray(0, fragment.length - padding);
    this.#partial = { streamId, parts: [fragment], bytes: fragment.length, endStream: (flags & Flags.END_STREAM) !== 0, selfDependent };
    return this.#completeIf(flags);
  }

  continuation(flags: number, streamId: number, payload: Buffer): CompletedBlock | undefined {
    const partial = this.#partial;
    if (partial === undefined || partial.streamId !== streamId) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, 'CONTINUATION without its HEADERS');
    partial.parts.push(payload);
    partial.bytes += payload.length;
    return this.#completeIf(flags);
  }

  #completeIf(flags: number): CompletedBlock | undefined {
    const partial = this.#partial!;
    if (partial.bytes > 2 * this.#maxListBytes) throw new ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, 'a header block larger than the header list limit allows');
    if ((flags & Flags.END_HEADERS) === 0) return undefined;
    this.#partial = undefined;
    const block = partial.parts.length === 1 ? partial.parts[0]! : Buffer.concat(partial.parts, partial.bytes);
    try {
      const { fields, oversize } = this.#decoder.decode(block, this.#maxListBytes);
      return { streamId: partial.streamId, fields, oversize, endStream: partial.endStream, selfDependent: partial.selfDependent };
    } catch (error) {
      if (error instanceof HpackError) throw new ConnectionError(ErrorCode.COMPRESSION_ERROR, error.message);
      throw error;
    }
  }
}
