import type { H2Stream } from '../http2/h2-stream.ts';
import { encodeHeaderBlock } from '../http2/hpack-encoder.ts';
import { GrpcCall } from './grpc-call.ts';
import { GrpcError, GrpcStatus } from './grpc-errors.ts';
import { frameMessage, MessageReader } from './grpc-framing.ts';
import { MessageAdmission } from './message-admission.ts';
import type { LargeBodyGate } from '../server/large-body-gate.ts';
import { freeWholeBuffer } from '../free-buffer.ts';

/**
 * From an HTTP/2 stream to a handler: checks the request is a gRPC call, finds the method by its path,
 * arms the client's deadline, reads the one request message, decodes it, and answers what the handler
 * returns (or throws: a GrpcError as it is, anything else as INTERNAL). Only unary and server-streaming
 * methods exist in the services the runtime serves.
 */

/** A unary handler returns the answer (or a promise of it) and throws a GrpcError to fail. */
export type UnaryHandler = (request: any, call: GrpcCall) => object | Promise<object>;
/** A server-streaming handler sends with `call.send` and ends the call itself. */
export type StreamingHandler = (request: any, call: GrpcCall, send: (message: object) => void) => void;

export interface GrpcMethod {
  /**
   * What decode returns may hold views into the message; handlers read them only in their synchronous part,
   * after which a large message is freed (as REST frees a decoded body: inference-endpoint.ts).
   */
  decode: (message: Buffer) => object;
  encode: (message: object) => Uint8Array;
  /** Encodes straight into a whole message frame, sparing the copy `frameMessage` makes (infer-response-frame.ts). */
  encodeFrame?: (message: object) => Buffer;
  unary?: UnaryHandler;
  streaming?: StreamingHandler;
}

export interface DispatchOptions {
  methods: ReadonlyMap<string, GrpcMethod>;
  maxMessageBytes: number;
  /** Shared with REST: request messages larger than `largeMessageBytes` wait for it (message-admission.ts). */
  largeMessages: LargeBodyGate;
  largeMessageBytes: number;
  /** Calls whose request has not fully arrived: the listener ends those slower than its request timeout. */
  receiving: Set<GrpcCall>;
  /** Called with errors that are not GrpcErrors: the client gets INTERNAL, the log gets the stack. */
  unexpected: (error: unknown, call: GrpcCall) => void;
}

const METHOD_NOT_ALLOWED = encodeHeaderBlock([[':status', '405'], ['allow', 'POST']]);
const UNSUPPORTED_MEDIA_TYPE = encodeHeaderBlock([[':status', '415']]);

export function dispatch(stream: H2Stream, options: DispatchOptions): void {
  const headers = stream.headers;
  if (headers[':method'] !== 'POST') {
    stream.end(METHOD_NOT_ALLOWED);
    return;
  }
  const contentType = headers['content-type'];
  if (contentType === undefined || !contentType.startsWith('application/grpc')) {
    // Not a gRPC client: a plain HTTP answer, as grpc-js gave (415).
    stream.end(UNSUPPORTED_MEDIA_TYPE);
    return;
  }
  const call = new GrpcCall(stream);
  const path = call.path;
  const method = options.methods.get(path);
  if (method === undefined) {
    call.fail(new GrpcError(GrpcStatus.UNIMPLEMENTED, `The server does not implement the method ${path}`));
    return;
  }
  const timeout = headers['grpc-timeout'];
  if (timeout !== undefined && !call.startDeadline(timeout)) return;
  readRequest(call, method, options);
}

function readRequest(call: GrpcCall, method: GrpcMethod, options: DispatchOptions): void {
  const encoding = call.headers['grpc-encoding'];
  const reader = new MessageReader(options.maxMessageBytes, encoding);
  const admission = new MessageAdmission(call.stream, options.largeMessages, options.largeMessageBytes);
  options.receiving.add(call);
  call.stream.onData = (chunk: Buffer) => {
    if (call.finished) return;
    try {
      reader.push(chunk);
      // Every method takes one request message: a second is refused as it starts rather than kept.
      if (reader.messages.length > 1 || (reader.messages.length === 1 && !reader.atBoundary)) throw wrongMessageCount(call, method, 'more than one');
      if (reader.firstDeclaredBytes >= 0) admission.check(reader.firstDeclaredBytes);
    } catch (error) {
      options.receiving.delete(call);
      admission.finish();
      call.fail(error as GrpcError);
    }
  };
  call.stream.onEnd = () => {
    options.receiving.delete(call);
    if (!call.finished) run(call, method, reader, options);
    admission.finish();
  };
  // A stream reset or a connection lost while the request arrives: nothing to answer.
  call.stream.onAbort = () => options.receiving.delete(call);
}

/** Every method here takes exactly one request message: grpc-js's words for a call with none, or more. */
function wrongMessageCount(call: GrpcCall, method: GrpcMethod, count: 'no' | 'more than one'): GrpcError {
  const kind = method.streaming === undefined ? 'unary' : 'server streaming';
  return new GrpcError(GrpcStatus.UNIMPLEMENTED, `Received ${count} request message for ${kind} method ${call.path}`);
}

/** Messages from this size are freed once their call's handler has read them (inference-endpoint.ts says why). */
const FREE_READ_MESSAGE_FROM_BYTES = 64 * 1024;

function run(call: GrpcCall, method: GrpcMethod, reader: MessageReader, options: DispatchOptions): void {
  if (reader.messages.length === 0) {
    call.fail(wrongMessageCount(call, method, 'no'));
    return;
  }
  const message = reader.messages[0]!;
  let request: object;
  try {
    request = method.decode(message);
  } catch {
    call.fail(new GrpcError(GrpcStatus.INTERNAL, 'Error deserializing request'));
    return;
  }
  const failed = (error: unknown): void => failWith(call, error, options);
  try {
    if (method.streaming !== undefined) {
      method.streaming(request, call, (answer) => call.send(frameMessage(method.encode(answer))));
      return;
    }
    const answer = method.unary!(request, call);
    if (answer instanceof Promise) answer.then((reply) => answerWith(call, method, reply, options), failed);
    else answerWith(call, method, answer, options);
  } catch (error) {
    failed(error);
  } finally {
    if (message.byteLength >= FREE_READ_MESSAGE_FROM_BYTES) freeWholeBuffer(message);
  }
}

function answerWith(call: GrpcCall, method: GrpcMethod, message: object, options: DispatchOptions): void {
  let frame: Buffer;
  try {
    frame = method.encodeFrame === undefined ? frameMessage(method.encode(message)) : method.encodeFrame(message);
  } catch (error) {
    failWith(call, error, options);
    return;
  }
  call.answer(frame);
}

function failWith(call: GrpcCall, error: unknown, options: DispatchOptions): void {
  if (error instanceof GrpcError) {
    call.fail(error);
    return;
  }
  options.unexpected(error, call);
  call.fail(new GrpcError(GrpcStatus.INTERNAL, 'internal error'));
}
