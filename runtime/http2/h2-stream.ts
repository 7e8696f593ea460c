import type { ReceiveWindow } from './receive-window.ts';
import type { RequestHeaders } from './request-headers.ts';

/**
 * One request stream (RFC 9113, 5.1) as handlers see it: the request's headers, its body through
 * `onData`/`onEnd`, and the answer sent as header blocks and data. Plain callbacks, not a Node stream: a
 * Duplex and its events per call were most of what serving a small call on `node:http2` cost.
 *
 * The connection frames what is sent, in order, paced by the client's flow-control windows.
 */

/** What a stream needs from its connection; the connection does flow control and framing. */
export interface StreamHost {
  sendHeaderBlock(stream: H2Stream, block: Buffer, endStream: boolean): void;
  /** Queues data (split and paced by the client's windows); `trailers`, when given, follow it and end the stream. */
  sendData(stream: H2Stream, data: Buffer, trailers: Buffer | undefined): void;
  resetStream(stream: H2Stream, code: number): void;
  /** Announces a WINDOW_UPDATE of `increment` for the stream. */
  openReceiveWindow(stream: H2Stream, increment: number): void;
}

export class H2Stream {
  readonly id: number;
  readonly headers: RequestHeaders;
  /** The request's body, chunk by chunk, as DATA frames arrive. */
  onData: ((chunk: Buffer) => void) | undefined;
  /** The request is complete. */
  onEnd: (() => void) | undefined;
  /** The stream ended before the answer did: the client reset it, or the connection went away. */
  onAbort: (() => void) | undefined;
  /** The connection has let go of the stream, however it ended: answered, reset, or the connection closed. */
  onForgotten: (() => void) | undefined;
  /** Flow control, kept by the connection: what the client still accepts, and what it may still send. */
  sendWindow: number;
  readonly receiveWindow: ReceiveWindow;
  /** Request body octets so far, checked against content-length. */
  bodyBytes = 0;
  /** Data waiting for window, in order, and the trailers that follow it. */
  readonly pending: Buffer[] = [];
  pendingTrailers: Buffer | undefined;
  /** The frame with END_STREAM has been queued on the connection. */
  endFramed = false;
  #remoteEnded = false;
  #localEnded = false;
  #reset = false;
  readonly #host: StreamHost;

  constructor(host: StreamHost, id: number, headers: RequestHeaders, sendWindow: number, receiveWindow: ReceiveWindow) {
    this.#host = host;
    this.id = id;
    this.headers = headers;
    this.sendWindow = sendWindow;
    this.receiveWindow = receiveWindow;
  }

  /** The client has sent all of its request. */
  get remoteEnded(): boolean {
    return this.#remoteEnded;
  }

  /** Nothing more can be sent: the answer is complete, or the stream was reset. */
  get closed(): boolean {
    return this.#localEnded || this.#reset;
  }

  /** Headers; the stream stays open for data. */
  sendHeaders(block: Buffer): void {
    if (this.closed) return;
    this.#host.sendHeaderBlock(this, block, false);
  }

  sendData(data: Buffer): void {
    if (this.closed) return;
    this.#host.sendData(this, data, undefined);
  }

  /** The last header block (trailers, or a headers-only answer), ending the stream. */
  end(block: Buffer): void {
    if (this.closed) return;
    this.#localEnded = true;
    this.#host.sendHeaderBlock(this, block, true);
  }

  /** Headers, one piece of data and trailers: a whole unary answer. */
  answer(headers: Buffer, data: Buffer, trailers: Buffer): void {
    if (this.closed) return;
    this.#localEnded = true;
    this.#host.sendHeaderBlock(this, headers, false);
    this.#host.sendData(this, data, trailers);
  }

  /** Ends the stream at once with RST_STREAM. */
  reset(code: number): void {
    if (this.#reset || this.endFramed) return;
    this.#reset = true;
    this.#host.resetStream(this, code);
  }

  /** Reset by either side: nothing more is sent or received. */
  get isReset(): boolean {
    return this.#reset;
  }

  /**
   * Lets the client send no more of the request than its window holds now, until `allowReceiving`: for a
   * request that must wait for room before its bytes are taken in.
   */
  holdReceiving(): void {
    this.receiveWindow.hold();
  }

  /** Ends a hold, letting the client send `octets` more at once. */
  allowReceiving(octets: number): void {
    const increment = this.receiveWindow.allow(octets);
    if (increment > 0 && !this.closed && !this.#remoteEnded) this.#host.openReceiveWindow(this, increment);
  }

  /** Called by the connection when the client's END_STREAM arrives. */
  remoteEnd(): void {
    this.#remoteEnded = true;
    this.onEnd?.();
  }

  /** Called by the connection once, when it removes the stream. */
  forgotten(): void {
    const listener = this.onForgotten;
    this.onForgotten = undefined;
    listener?.();
  }

  /** Called by the connection when the client resets the stream or the connection closes. */
  abort(): void {
    const answered = this.closed;
    this.#reset = true;
    if (!answered) this.onAbort?.();
  }
}
