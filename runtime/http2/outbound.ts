import { ConnectionError } from './connection-error.ts';
import { DEFAULT_WINDOW, ErrorCode, FRAME_HEADER_BYTES, FrameType, headersFrames, MAX_WINDOW, writeFrameHeader } from './frames.ts';
import type { FrameOutput } from './frame-output.ts';
import type { H2Stream } from './h2-stream.ts';
import { TABLE_SIZE_ZERO } from './hpack-encoder.ts';
import type { PeerSettings } from './peer-settings.ts';

/**
 * What a connection sends on its streams, paced by the client (RFC 9113, 6.9): DATA only as far as both the
 * stream's and the connection's windows allow, in pieces no larger than the client's frame size, and a
 * stream's trailers only after all of its data. Streams that wait for window resume on WINDOW_UPDATE or
 * SETTINGS.
 */
export class Outbound {
  readonly #output: FrameOutput;
  readonly #peer: PeerSettings;
  readonly #onEndFramed: (stream: H2Stream) => void;
  #connectionWindow = DEFAULT_WINDOW;
  readonly #blocked = new Set<H2Stream>();

  constructor(output: FrameOutput, peer: PeerSettings, onEndFramed: (stream: H2Stream) => void) {
    this.#output = output;
    this.#peer = peer;
    this.#onEndFramed = onEndFramed;
  }

  headerBlock(stream: H2Stream, block: Buffer, endStream: boolean): void {
    if (endStream && stream.pending.length > 0) {
      stream.pendingTrailers = block;
      return;
    }
    // The size update goes first in the next block on the wire, whichever stream it belongs to.
    if (this.#peer.tableSizeUpdate) {
      this.#peer.tableSizeUpdate = false;
      block = Buffer.concat([TABLE_SIZE_ZERO, block]);
    }
    this.#output.queue(headersFrames(stream.id, block, endStream, this.#peer.maxFrameSize));
    if (endStream) {
      stream.endFramed = true;
      this.#onEndFramed(stream);
    }
  }

  data(stream: H2Stream, data: Buffer, trailers: Buffer | undefined): void {
    stream.pending.push(data);
    if (trailers !== undefined) stream.pendingTrailers = trailers;
    this.#drain(stream);
  }

  /** WINDOW_UPDATE on stream 0. */
  growConnectionWindow(increment: number): void {
    this.#connectionWindow += increment;
    if (this.#connectionWindow > MAX_WINDOW) throw new ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, 'the connection window above 2^31-1');
    this.resumeAll();
  }

  /** A stream's window grew. */
  resume(stream: H2Stream): void {
    if (this.#blocked.has(stream)) this.#drain(stream);
  }

  resumeAll(): void {
    for (const stream of [...this.#blocked]) this.#drain(stream);
  }

  /** The stream is gone: what it still had to send is dropped. */
  forget(stream: H2Stream): void {
    this.#blocked.delete(stream);
    stream.pending.length = 0;
    stream.pendingTrailers = undefined;
  }

  #drain(stream: H2Stream): void {
    while (stream.pending.length > 0) {
      const allowed = Math.min(stream.sendWindow, this.#connectionWindow, this.#peer.maxFrameSize);
      const data = stream.pending[0]!;
      if (allowed <= 0 && data.length > 0) {
        this.#blocked.add(stream);
        return;
      }
      const piece = data.length <= allowed ? data : data.subarray(0, allowed);
      if (piece === data) stream.pending.shift();
      else stream.pending[0] = data.subarray(allowed);
      stream.sendWindow -= piece.length;
      this.#connectionWindow -= piece.length;
      const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
      writeFrameHeader(header, 0, piece.length, FrameType.DATA, 0, stream.id);
      this.#output.queue(header);
      if (piece.length > 0) this.#output.queue(piece);
    }
    this.#blocked.delete(stream);
    const trailers = stream.pendingTrailers;
    if (trailers !== undefined) {
      stream.pendingTrailers = undefined;
      this.headerBlock(stream, trailers, true);
    }
  }
}
