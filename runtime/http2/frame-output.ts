import type { Socket } from 'node:net';

/**
 * What a connection sends, gathered and written once per turn: while the connection reads, until the read
 * is handled; otherwise until the current turn's ticks and promise reactions have run, so that every answer
 * finished in one turn — headers, data and trailers of each — leaves in one socket write.
 */
const CONCAT_LIMIT_BYTES = 64 * 1024;
/**
 * Above this much written but unsent, the connection stops reading until the client has taken it: a client
 * that sends requests and never reads the answers makes the server hold at most this much more (node:http2
 * bounds the same with its session memory limit).
 */
const UNSENT_HIGH_WATER_BYTES = 1024 * 1024;

export class FrameOutput {
  readonly #socket: Socket;
  #out: Buffer[] = [];
  #bytes = 0;
  #scheduled = false;
  /** Set while the connection handles a read; the read's end flushes. */
  reading = false;

  constructor(socket: Socket) {
    this.#socket = socket;
  }

  queue(bytes: Buffer): void {
    this.#out.push(bytes);
    this.#bytes += bytes.length;
    if (this.reading || this.#scheduled) return;
    this.#scheduled = true;
    process.nextTick(() => this.flush());
  }

  flush(): void {
    this.#scheduled = false;
    const out = this.#out;
    const bytes = this.#bytes;
    this.#out = [];
    this.#bytes = 0;
    const socket = this.#socket;
    if (out.length === 0 || socket.destroyed || socket.writableEnded) return;
    if (out.length === 1) socket.write(out[0]!);
    else if (bytes <= CONCAT_LIMIT_BYTES) socket.write(Buffer.concat(out, bytes));
    else {
      // Large answers go as they are, in one writev, rather than copied into one buffer.
      socket.cork();
      for (const piece of out) socket.write(piece);
      socket.uncork();
    }
    if (socket.writableLength > UNSENT_HIGH_WATER_BYTES && !socket.isPaused()) {
      socket.pause();
      socket.once('drain', () => socket.resume());
    }
  }
}
