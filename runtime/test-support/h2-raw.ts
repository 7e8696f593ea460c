/**
 * Test support: an HTTP/2 client speaking hand-built frames over a plain socket, for what no well-behaved
 * client library does (garbage prefaces, floods of resets, oversize header lists, windows never opened) and
 * for checking the exact frames and codes a server answers with.
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { FRAME_HEADER_BYTES, Flags, FrameType, PREFACE, frame, settingsFrame } from '../http2/frames.ts';
import { encodeHeaderBlock } from '../http2/hpack-encoder.ts';

export interface ReceivedFrame {
  type: number;
  flags: number;
  streamId: number;
  payload: Buffer;
}

export type FramePredicate = (received: ReceivedFrame) => boolean;

export class RawH2Client {
  readonly socket: Socket;
  /** Every frame the server sent, in order. */
  readonly frames: ReceivedFrame[] = [];
  /** Resolves once the server has closed (or reset) the connection. */
  readonly closed: Promise<void>;
  #pending: Buffer = Buffer.alloc(0);
  #cursor = 0;
  #changed: (() => void)[] = [];
  #ended = false;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => socket.on('close', () => {
      this.#ended = true;
      this.#notify();
      resolve();
    }));
  }

  /** Connects; with `settings` given, sends the preface and that SETTINGS frame at once. */
  static async open(port: number, settings?: readonly (readonly [number, number])[]): Promise<RawH2Client> {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const client = new RawH2Client(socket);
    if (settings !== undefined) client.send(PREFACE, settingsFrame(settings));
    return client;
  }

  send(...bytes: Buffer[]): void {
    this.socket.write(Buffer.concat(bytes));
  }

  /**
   * The next frame after the last one returned that matches; frames before it are passed over (they stay in
   * `frames`). Rejects when the connection closes first or `timeoutMs` passes.
   */
  async next(matches: FramePredicate, timeoutMs = 5000): Promise<ReceivedFrame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (; this.#cursor < this.frames.length; this.#cursor++) {
        const candidate = this.frames[this.#cursor]!;
        if (matches(candidate)) {
          this.#cursor++;
          return candidate;
        }
      }
      if (this.#ended) throw new Error('the connection closed before the frame came');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('no such frame in time');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#changed.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Resolves once the server has closed the connection; rejects if it has not within `timeoutMs`. */
  async closedWithin(timeoutMs = 5000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('the server kept the connection open')), timeoutMs)));
    try {
      await Promise.race([this.closed, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends a PING and waits for its ACK: every frame the server sent before answering it has arrived. */
  async barrier(): Promise<void> {
    const opaque = Buffer.from(`b${Date.now() % 1e7}`.padEnd(8, '.').slice(0, 8));
    this.send(frame(FrameType.PING, 0, 0, opaque));
    await this.next((f) => f.type === FrameType.PING && (f.flags & Flags.ACK) !== 0 && f.payload.equals(opaque));
  }

  /** The frames received so far (or since `from`) that match. */
  received(matches: FramePredicate, from = 0): ReceivedFrame[] {
    return this.frames.slice(from).filter(matches);
  }

  close(): void {
    this.socket.destroy();
  }

  #onData(chunk: Buffer): void {
    let buffer = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    while (buffer.length >= FRAME_HEADER_BYTES) {
      const length = buffer.readUIntBE(0, 3);
      if (buffer.length < FRAME_HEADER_BYTES + length) break;
      this.frames.push({
        type: buffer[3]!,
        flags: buffer[4]!,
        streamId: buffer.readUInt32BE(5) & 0x7fffffff,
        payload: Buffer.from(buffer.subarray(FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + length)),
      });
      buffer = buffer.subarray(FRAME_HEADER_BYTES + length);
    }
    this.#pending = buffer;
    this.#notify();
  }

  #notify(): void {
    const waiting = this.#changed;
    this.#changed = [];
    for (const wake of waiting) wake();
  }
}

/** A request's HEADERS frame (POST, http) with plain literal fields. */
export function requestFrame(streamId: number, path: string, endStream: boolean): Buffer {
  const block = encodeHeaderBlock([[':method', 'POST'], [':scheme', 'http'], [':path', path], [':authority', 'test']]);
  return frame(FrameType.HEADERS, Flags.END_HEADERS | (endStream ? Flags.END_STREAM : 0), streamId, block);
}

export function isFrame(type: number, streamId?: number): FramePredicate {
  return (f) => f.type === type && (streamId === undefined || f.streamId === streamId);
}

/** RST_STREAM's or GOAWAY's error code. */
export function errorCode(received: ReceivedFrame): number {
  return received.payload.readUInt32BE(received.type === FrameType.GOAWAY ? 4 : 0);
}
