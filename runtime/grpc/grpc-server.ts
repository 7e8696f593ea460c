import { H2Server } from '../http2/h2-server.ts';
import { DEFAULT_WINDOW } from '../http2/frames.ts';
import type { H2Connection } from '../http2/h2-connection.ts';
import type { RuntimeContext } from '../server/context.ts';
import type { ServerTimeouts } from '../server/server-timeouts.ts';
import type { GrpcCall } from './grpc-call.ts';
import { dispatch } from './grpc-dispatch.ts';
import type { DispatchOptions, GrpcMethod } from './grpc-dispatch.ts';
import { GrpcError, GrpcStatus } from './grpc-errors.ts';
import { HealthService } from './health-service.ts';
import { decodeModelInferRequest } from './infer-codec.ts';
import { encodeModelInferResponseFrame } from './infer-response-frame.ts';
import { inferenceService } from './inference-service.ts';
import { HEALTH_SERVICE, INFERENCE_SERVICE, INFERENCE_SERVICE_NAME } from './proto.ts';

/**
 * The gRPC listener: GRPCInferenceService and grpc.health.v1 on their own port (HTTP/2 without TLS, as
 * KServe and Triton serve it inside a cluster). Health reports SERVING for the overall server ('') and the
 * inference service exactly when REST's /v2/health/ready would answer 200.
 *
 * Served by the small gRPC layer beside this file on the runtime's own HTTP/2 connections (runtime/http2/),
 * not by @grpc/grpc-js's Server nor `node:http2`: measured with h2load on one machine (docs/adr/0004-grpc.md),
 * grpc-js's per-call pipeline cost about 35 µs of server CPU per call above node:http2's, and node:http2's
 * per-stream machinery 25–30 µs where the runtime's connection spends a few. Protobuf (de)serialisation was
 * under 4% and stays protobufjs's.
 */

/** After GOAWAY, calls on open connections get this long to finish before their connections are closed. */
const CLOSE_GRACE_MS = 1000;
/**
 * Per connection. Each stream may hold a request of up to the body limit while it arrives; REST holds one
 * request per connection, so 128 streams is already generous, and clients open more connections beyond it.
 */
const MAX_CONCURRENT_STREAMS = 128;
/** The same header budget as Node's HTTP/1 parser, which REST uses (16 KiB). */
const MAX_HEADER_LIST_BYTES = 16 * 1024;
/**
 * What a client may send ahead on the connection before the server acknowledges it: 1 MiB, so that several
 * streams' requests arrive at once without waiting on WINDOW_UPDATEs.
 */
const RECEIVE_WINDOW_BYTES = 1024 * 1024;
/**
 * What a client may send ahead on each stream: HTTP/2's default (64 KiB - 1), which clients may use before
 * they have read this server's settings, so no less is offered (h2-server.ts).
 * A message that fits (a tiny model's, a health check) arrives unasked; a larger one waits for the large-body
 * gate REST bodies wait for, and its window opens for the whole of it once admitted (message-admission.ts).
 * So each stream holds at most this much while it waits.
 */
const STREAM_RECEIVE_WINDOW_BYTES = DEFAULT_WINDOW;

export class GrpcListener {
  readonly #server: H2Server;
  readonly #health = new HealthService({ '': 'NOT_SERVING', [INFERENCE_SERVICE_NAME]: 'NOT_SERVING' });
  readonly #context: RuntimeContext;
  /** Open connections, each with when its latest call began (ms since the epoch): idle ones get GOAWAY. */
  readonly #connections = new Map<H2Connection, { lastCallAt: number }>();
  readonly #receiving = new Set<GrpcCall>();
  readonly #sweep: NodeJS.Timeout;
  #port = 0;

  constructor(context: RuntimeContext, timeouts: ServerTimeouts) {
    this.#context = context;
    const options = this.#dispatchOptions();
    this.#server = new H2Server({
      maxConcurrentStreams: MAX_CONCURRENT_STREAMS,
      maxHeaderListBytes: MAX_HEADER_LIST_BYTES,
      receiveWindow: RECEIVE_WINDOW_BYTES,
      streamReceiveWindow: STREAM_RECEIVE_WINDOW_BYTES,
      onConnection: (connection) => this.#connections.set(connection, { lastCallAt: Date.now() }),
      onStream: (stream, connection) => {
        const activity = this.#connections.get(connection);
        if (activity !== undefined) activity.lastCallAt = Date.now();
        dispatch(stream, options);
      },
      onClosed: (connection) => this.#connections.delete(connection),
      onUnexpected: (error) => context.log.error({ err: error }, 'gRPC connection failed unexpectedly'),
    });
    const sweep = (): void => {
      this.#dropSlowSenders(timeouts.requestMs);
      this.#closeIdle(timeouts.keepAliveMs);
    };
    this.#sweep = setInterval(sweep, Math.min(1000, timeouts.requestMs, timeouts.keepAliveMs)).unref();
  }

  get port(): number {
    return this.#port;
  }

  async listen(host: string, port: number): Promise<number> {
    this.#port = await this.#server.listen(host, port);
    // Errors of the listening socket after it is up (out of file descriptors) are logged, as node:http's are not fatal.
    this.#server.onError((error) => this.#context.log.error({ err: error }, 'gRPC listener error'));
    return this.#port;
  }

  /** Re-reads readiness into the health service; called whenever the model's phase changes. */
  refreshHealth(): void {
    const status = this.#context.model.notReadyReason() === undefined ? 'SERVING' : 'NOT_SERVING';
    this.#health.setStatus('', status);
    this.#health.setStatus(INFERENCE_SERVICE_NAME, status);
  }

  /** Drain, first half: stop accepting connections; calls on open connections are still served, as on REST. */
  stopAccepting(): void {
    this.refreshHealth();
    // Open connections get no GOAWAY yet: clients still send calls on them while the endpoint leaves rotation.
    this.#server.stopAccepting();
  }

  /**
   * Drain, second half, once in-flight inference is done: health Watch streams end with UNAVAILABLE (they
   * never end by themselves), every connection gets GOAWAY so that calls still running finish, and what is
   * left after a short grace is closed.
   */
  async close(timeoutMs: number): Promise<void> {
    clearInterval(this.#sweep);
    this.#server.stopAccepting();
    this.#health.endWatches(new GrpcError(GrpcStatus.UNAVAILABLE, 'the server is shutting down'));
    for (const connection of this.#connections.keys()) connection.close();
    const deadline = Date.now() + Math.min(timeoutMs, CLOSE_GRACE_MS);
    while (this.#connections.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    for (const connection of this.#connections.keys()) connection.destroy();
  }

  #dispatchOptions(): DispatchOptions {
    const methods = new Map<string, GrpcMethod>();
    const add = (definitions: typeof INFERENCE_SERVICE, name: string, handler: Pick<GrpcMethod, 'unary' | 'streaming'>): void => {
      const definition = definitions[name]!;
      methods.set(definition.path, { decode: definition.requestDeserialize, encode: definition.responseSerialize, ...handler });
    };
    for (const [name, unary] of Object.entries(inferenceService(this.#context))) add(INFERENCE_SERVICE, name, { unary });
    // The call served most gets coders without proto-loader's second pass (infer-codec.ts says what it costs).
    const infer = methods.get(INFERENCE_SERVICE.ModelInfer!.path)!;
    infer.decode = decodeModelInferRequest;
    infer.encodeFrame = encodeModelInferResponseFrame as GrpcMethod['encodeFrame'];
    const health = this.#health.handlers();
    add(HEALTH_SERVICE, 'Check', { unary: health.Check });
    add(HEALTH_SERVICE, 'Watch', { streaming: health.Watch });
    add(HEALTH_SERVICE, 'List', { unary: health.List });
    return {
      methods,
      maxMessageBytes: this.#context.maxBodyBytes,
      largeMessages: this.#context.largeBodies,
      largeMessageBytes: STREAM_RECEIVE_WINDOW_BYTES,
      receiving: this.#receiving,
      unexpected: (error, call) => this.#context.log.error({ err: error, rpc: call.path }, 'gRPC call failed unexpectedly'),
    };
  }

  /**
   * A connection with no new call for the keep-alive timeout gets GOAWAY, as REST closes idle keep-alive
   * connections; calls still open on it (a health Watch) run on. Judged here, in the sweep, from the time each
   * connection's latest call began: one clock read per call, rather than a timer refreshed per frame.
   */
  #closeIdle(keepAliveMs: number): void {
    const limit = Date.now() - keepAliveMs;
    for (const [connection, activity] of this.#connections) {
      if (activity.lastCallAt <= limit && !connection.closed) connection.close();
    }
  }

  /** Requests still arriving after the request timeout end, as REST answers 408 to a slow body. */
  #dropSlowSenders(requestMs: number): void {
    const limit = Date.now() - requestMs;
    for (const call of this.#receiving) {
      if (call.startedAt > limit) continue;
      this.#receiving.delete(call);
      call.fail(new GrpcError(GrpcStatus.DEADLINE_EXCEEDED, `the request message did not arrive within ${requestMs / 1000} s`));
    }
  }
}
