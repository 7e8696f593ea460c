import type { H2Stream } from '../http2/h2-stream.ts';
import type { LargeBodyGate } from '../server/large-body-gate.ts';
import { PREFIX_BYTES } from './grpc-framing.ts';

/**
 * A request message larger than a stream's receive window waits for the large-body gate that REST bodies
 * wait for (large-body-gate.ts) before the rest of it is let in: until the gate admits it, the stream's window
 * stays shut, so each stream holds at most one window of it in this process however many streams a client
 * opens with messages of the maximum size. Admitted, the window opens for the whole remainder at once. The
 * share goes back once the message is decoded, or when the stream goes, whichever comes first.
 */
export class MessageAdmission {
  readonly #stream: H2Stream;
  readonly #gate: LargeBodyGate;
  /** Messages up to this size (prefix included) fit the stream's window and never wait. */
  readonly #fromBytes: number;
  #asked = false;
  #finished = false;
  #release: (() => void) | undefined;

  constructor(stream: H2Stream, gate: LargeBodyGate, fromBytes: number) {
    this.#stream = stream;
    this.#gate = gate;
    this.#fromBytes = fromBytes;
    stream.onForgotten = () => this.finish();
  }

  /** Called as the request arrives, with the first message's declared length once its prefix is in. */
  check(declaredBytes: number): void {
    if (this.#asked || this.#finished || PREFIX_BYTES + declaredBytes <= this.#fromBytes) return;
    this.#asked = true;
    this.#stream.holdReceiving();
    void this.#gate.admit(declaredBytes).then((release) => {
      if (this.#finished) return release();
      this.#release = release;
      this.#stream.allowReceiving(PREFIX_BYTES + declaredBytes - this.#stream.bodyBytes);
    });
  }

  /** The message is decoded (or will never be): its share of the gate goes back. Idempotent. */
  finish(): void {
    this.#finished = true;
    this.#release?.();
    this.#release = undefined;
  }
}
