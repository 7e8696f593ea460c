import { ConnectionError } from './connection-error.ts';
import { DEFAULT_MAX_FRAME_SIZE, ErrorCode, FRAME_HEADER_BYTES, PREFACE } from './frames.ts';

/**
 * Cuts a connection's bytes into frames: first the client preface, then 9-octet frame headers and their
 * payloads, handed on as views of the socket's chunks (no copy unless a frame spans chunks). Frames over
 * the size this server allows (the default, 16 KiB, which it never raises) end the connection.
 */
export type FrameHandler = (type: number, flags: number, streamId: number, payload: Buffer) => void;

export class FrameReader {
  #pending: Buffer | undefined;
  #prefaceSeen = false;

  /** Hands every whole frame in `chunk` (and what was left of earlier ones) to `onFrame`, while `more()` says so. */
  push(chunk: Buffer, onFrame: FrameHandler, more: () => boolean): void {
    const buffer = this.#pending === undefined ? chunk : Buffer.concat([this.#pending, chunk]);
    this.#pending = undefined;
    let offset = 0;
    if (!this.#prefaceSeen) {
      const seen = Math.min(buffer.length, PREFACE.length);
      if (!buffer.subarray(0, seen).equals(PREFACE.subarray(0, seen))) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, 'not an HTTP/2 connection preface');
      if (seen < PREFACE.length) {
        this.#pending = buffer;
        return;
      }
      this.#prefaceSeen = true;
      offset = PREFACE.length;
    }
    while (buffer.length - offset >= FRAME_HEADER_BYTES && more()) {
      const length = (buffer[offset]! << 16) | (buffer[offset + 1]! << 8) | buffer[offset + 2]!;
      if (length > DEFAULT_MAX_FRAME_SIZE) throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, `a frame of ${length} octets, above the ${DEFAULT_MAX_FRAME_SIZE} allowed`);
      const end = offset + FRAME_HEADER_BYTES + length;
      if (end > buffer.length) break;
      const streamId = buffer.readUInt32BE(offset + 5) & 0x7fffffff;
      onFrame(buffer[offset + 3]!, buffer[offset + 4]!, streamId, buffer.subarray(offset + FRAME_HEADER_BYTES, end));
      offset = end;
    }
    if (offset < buffer.length) this.#pending = buffer.subarray(offset);
  }
}
