import { constants } from 'node:http2';
import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import { encodeGrpcMessage, GrpcError, GrpcStatus } from './grpc-errors.ts';
import { ACCEPTED_ENCODINGS } from './grpc-framing.ts';

/**
 * One gRPC call on one HTTP/2 stream, answered the three ways the protocol knows: a unary answer (headers,
 * one message, trailers), a stream of messages closed by trailers, or — for a failure before anything was
 * sent — "Trailers-Only": one HEADERS frame carrying the status, ending the stream. Every way of finishing
 * is idempotent: a deadline, a cancelled client and a late answer may race, and the first one wins.
 */

const RESPONSE_CONTENT_TYPE = 'application/grpc';
/** What the listener's message reader inflates (grpc-framing.ts); answers go uncompressed. */
const ACCEPT_ENCODING = ACCEPTED_ENCODINGS;

/** grpc-timeout's units (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md). */
const TIMEOUT_UNIT_MS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 0.001, n: 0.000_001 };
const TIMEOUT_PATTERN = /^(\d{1,8})([HMSmun])$/;
/** setTimeout's longest delay; a longer deadline is as good as none. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Answers' headers as raw name/value arrays: node:http2 takes them as they are, where a headers object is
 * first copied into a fresh null-prototype object and walked key by key. A fresh array per answer, since
 * Node keeps the one it is given. gRPC clients read no `date`; leaving it out spares formatting and encoding
 * it on every answer.
 */
function answerHeaders(): string[] {
  return [':status', '200', 'content-type', RESPONSE_CONTENT_TYPE, 'grpc-accept-encoding', ACCEPT_ENCODING];
}
const ANSWER_OPTIONS = { waitForTrailers: true, sendDate: false };
const TRAILERS_ONLY_OPTIONS = { endStream: true, sendDate: false };

/** One object for every call: `sendTrailers` copies what it is given and never changes it. */
const OK_TRAILERS = Object.freeze({ 'grpc-status': '0' });

function sendOkTrailers(this: ServerHttp2Stream): void {
  this.sendTrailers(OK_TRAILERS);
}

/**
 * A request still arriving is of no use once the call has ended: RST_STREAM with NO_ERROR tells the client
 * to stop sending and still read the answer (RFC 9113, 8.1).
 */
function stopReading(stream: ServerHttp2Stream): void {
  if (!stream.readableEnded && !stream.closed) stream.close(constants.NGHTTP2_NO_ERROR);
}

export class GrpcCall {
  readonly stream: ServerHttp2Stream;
  readonly headers: IncomingHttpHeaders;
  readonly path: string;
  /** When the call began (ms since the epoch): slow senders are timed from here. */
  readonly startedAt = Date.now();
  #done = false;
  #streaming = false;
  #deadline: NodeJS.Timeout | undefined;

  constructor(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, path: string) {
    this.stream = stream;
    this.headers = headers;
    this.path = path;
  }

  /** Answered, failed, or gone: nothing more can be sent. */
  get finished(): boolean {
    return this.#done || this.stream.destroyed || this.stream.closed;
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
    this.stream.once('close', () => {
      if (this.#done) return;
      this.#end();
      listener();
    });
  }

  /** A unary call's answer: headers, the message (a whole frame: grpc-framing.ts), `grpc-status: 0`. */
  answer(frame: Buffer): void {
    if (this.finished) return;
    this.#end();
    const stream = this.stream;
    stream.respond(answerHeaders(), ANSWER_OPTIONS);
    // 'wantTrailers' comes once; `on` spares the wrapper `once` allocates.
    stream.on('wantTrailers', sendOkTrailers);
    stream.end(frame);
  }

  /** One message (a whole frame) of a server-streaming answer; the headers go with the first. */
  send(frame: Buffer): void {
    if (this.finished) return;
    if (!this.#streaming) {
      this.#streaming = true;
      this.stream.respond(answerHeaders(), ANSWER_OPTIONS);
    }
    this.stream.write(frame);
  }

  /** Ends the call with a status: in trailers after streamed messages, else as Trailers-Only. */
  fail(error: GrpcError): void {
    if (this.finished) return;
    this.#end();
    const stream = this.stream;
    const code = String(error.code);
    const message = encodeGrpcMessage(error.message);
    if (this.#streaming) {
      stream.once('wantTrailers', () => {
        stream.sendTrailers({ 'grpc-status': code, 'grpc-message': message });
        // Node sends trailers on the next turn (setImmediate); the reset must follow them, not pass them.
        setImmediate(stopReading, stream);
      });
      stream.end();
    } else {
      stream.respond([...answerHeaders(), 'grpc-status', code, 'grpc-message', message], TRAILERS_ONLY_OPTIONS);
      stopReading(stream);
    }
  }

  #end(): void {
    this.#done = true;
    if (this.#deadline !== undefined) clearTimeout(this.#deadline);
  }
}
