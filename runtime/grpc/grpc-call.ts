import type { H2Stream } from '../http2/h2-stream.ts';
import { encodeHeaderBlock } from '../http2/hpack-encoder.ts';
import type { RequestHeaders } from '../http2/request-headers.ts';
import { encodeGrpcMessage, GrpcError, GrpcStatus } from './grpc-errors.ts';
import { ACCEPTED_ENCODINGS } from './grpc-framing.ts';

/**
 * One gRPC call on one HTTP/2 stream, answered the three ways the protocol knows: a unary answer (headers,
 * one message, trailers), a stream of messages closed by trailers, or — for a failure before anything was
 * sent — "Trailers-Only": one HEADERS frame carrying the status, ending the stream. Every way of finishing
 * is idempotent: a deadline, a cancelled client and a late answer may race, and the first one wins.
 */

/** grpc-timeout's units (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md). */
const TIMEOUT_UNIT_MS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 0.001, n: 0.000_001 };
const TIMEOUT_PATTERN = /^(\d{1,8})([HMSmun])$/;
/** setTimeout's longest delay; a longer deadline is as good as none. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * An answer's headers: what the listener's message reader inflates is offered (grpc-framing.ts); answers go
 * uncompressed. gRPC clients read no `date`, so none is sent. Encoded once: the blocks never refer to the
 * client's HPACK table (hpack-encoder.ts).
 */
const ANSWER_FIELDS = [
  [':status', '200'],
  ['content-type', 'application/grpc'],
  ['grpc-accept-encoding', ACCEPTED_ENCODINGS],
] as const;
const ANSWER_HEADERS = encodeHeaderBlock(ANSWER_FIELDS);
const OK_TRAILERS = encodeHeaderBlock([['grpc-status', '0']]);

export class GrpcCall {
  readonly stream: H2Stream;
  readonly headers: RequestHeaders;
  readonly path: string;
  /** When the call began (ms since the epoch): slow senders are timed from here. */
  readonly startedAt = Date.now();
  #done = false;
  #streaming = false;
  #deadline: NodeJS.Timeout | undefined;

  constructor(stream: H2Stream) {
    this.stream = stream;
    this.headers = stream.headers;
    this.path = stream.headers[':path'] ?? '';
  }

  /** Answered, failed, or gone: nothing more can be sent. */
  get finished(): boolean {
    return this.#done || this.stream.closed;
  }

  /**
   * Arms the deadline the client sent in `grpc-timeout`; answers DEADLINE_EXCEEDED when it passes. An
   * unreadable value is the client's bug, answered INTERNAL as grpc-js answered it. False when the call is over.
   */
  startDeadline(header: string): boolean {
    const match = TIMEOUT_PATTERN.exec(header.trim());
    if (match === null) {
      this.fail(new GrpcError(GrpcStatus.INTERNAL, `Invalid grpc-timeout value "${header}"`));
      return false;
    }
    const ms = Number(match[1]) * TIMEOUT_UNIT_MS[match[2]!]!;
    if (ms < MAX_TIMER_MS) this.#deadline = setTimeout(() => this.fail(new GrpcError(GrpcStatus.DEADLINE_EXCEEDED, 'Deadline exceeded')), ms);
    return true;
  }

  /** Runs `listener` if the client goes away (cancels, resets the stream, drops the connection) before the call ends. */
  onCancel(listener: () => void): void {
    this.stream.onAbort = () => {
      if (this.#done) return;
      this.#end();
      listener();
    };
  }

  /** A unary call's answer: headers, the message (a whole frame: grpc-framing.ts), `grpc-status: 0`. */
  answer(frame: Buffer): void {
    if (this.finished) return;
    this.#end();
    this.stream.answer(ANSWER_HEADERS, frame, OK_TRAILERS);
  }

  /** One message (a whole frame) of a server-streaming answer; the headers go with the first. */
  send(frame: Buffer): void {
    if (this.finished) return;
    if (!this.#streaming) {
      this.#streaming = true;
      this.stream.sendHeaders(ANSWER_HEADERS);
    }
    this.stream.sendData(frame);
  }

  /**
   * Ends the call with a status: in trailers after streamed messages, else as Trailers-Only. A request still
   * arriving is then reset with NO_ERROR by the connection, which tells the client to stop sending.
   */
  fail(error: GrpcError): void {
    if (this.finished) return;
    this.#end();
    const status: [string, string][] = [['grpc-status', String(error.code)], ['grpc-message', encodeGrpcMessage(error.message)]];
    this.stream.end(encodeHeaderBlock(this.#streaming ? status : [...ANSWER_FIELDS, ...status]));
  }

  #end(): void {
    this.#done = true;
    if (this.#deadline !== undefined) clearTimeout(this.#deadline);
  }
}
