// A gRPC call made by hand over node:http2, for tests that need what a gRPC library hides: the HTTP status,
// whether the status came as Trailers-Only, a request that never ends or a body cut short.
import { connect } from 'node:http2';
import type { ClientHttp2Session, ClientHttp2Stream, IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http2';
import { frameMessage } from '../grpc/grpc-framing.ts';

export interface RawGrpcAnswer {
  headers: IncomingHttpHeaders;
  /** Undefined for a Trailers-Only answer (the status is in `headers`) or a stream reset before trailers. */
  trailers: IncomingHttpHeaders | undefined;
  body: Buffer;
  /** grpc-status from the trailers, or from the headers of a Trailers-Only answer. */
  code: number | undefined;
  message: string | undefined;
}

export interface RawGrpcRequest {
  method?: string;
  headers?: OutgoingHttpHeaders;
  /** Bytes sent as they are (use `frameMessage` for a well-formed message); none by default. */
  body?: Buffer;
  /** Leave the request open after the body (a slow or stalled sender). */
  keepOpen?: boolean;
}

export function grpcSession(address: string): ClientHttp2Session {
  const session = connect(`http://${address}`);
  session.on('error', () => undefined);
  return session;
}

export function rawGrpc(session: ClientHttp2Session, path: string, request: RawGrpcRequest = {}): Promise<RawGrpcAnswer> {
  const stream = session.request({
    ':method': request.method ?? 'POST',
    ':path': path,
    'content-type': 'application/grpc',
    te: 'trailers',
    ...request.headers,
  }, { endStream: false });
  stream.on('error', () => undefined);
  if (request.body !== undefined) stream.write(request.body);
  if (!request.keepOpen) stream.end();
  return streamAnswer(stream).then(({ headers, trailers, body }) => {
    const status = trailers?.['grpc-status'] ?? headers['grpc-status'];
    const message = trailers?.['grpc-message'] ?? headers['grpc-message'];
    return {
      headers,
      trailers,
      body,
      code: status === undefined ? undefined : Number(status),
      message: typeof message === 'string' ? decodeURIComponent(message) : undefined,
    };
  });
}

/** What a client stream received, once it closes: the response headers, the trailers if any, the body. */
export function streamAnswer(stream: ClientHttp2Stream): Promise<{ headers: IncomingHttpHeaders; trailers: IncomingHttpHeaders | undefined; body: Buffer }> {
  const chunks: Buffer[] = [];
  let headers: IncomingHttpHeaders = {};
  let trailers: IncomingHttpHeaders | undefined;
  stream.on('response', (received) => (headers = received));
  stream.on('trailers', (received) => (trailers = received));
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return new Promise((resolve) => stream.on('close', () => resolve({ headers, trailers, body: Buffer.concat(chunks) })));
}

export { frameMessage };
