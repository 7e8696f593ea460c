import { ProtocolError } from '../protocol/errors.ts';
import { InferenceError } from '../inference/worker-pool.ts';
import type { ServerResponse } from 'node:http';

const JSON_TYPE = 'application/json';

export function sendJson(res: ServerResponse, status: number, body: string | Uint8Array): void {
  res.writeHead(status, { 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** Every error answer has the protocol's shape, `{"error": "..."}`, and never a stack trace. */
export function sendError(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // A client that sent too much is not worth reading further: close the connection after answering.
  if (status === 413) res.setHeader('connection', 'close');
  if (status === 401) res.setHeader('www-authenticate', 'Bearer');
  sendJson(res, status, JSON.stringify({ error: message }));
}

export interface ErrorAnswer {
  status: number;
  message: string;
  /** True for errors nobody anticipated: they are logged with their stack, which the client never sees. */
  unexpected: boolean;
}

export function errorAnswer(error: unknown): ErrorAnswer {
  if (error instanceof ProtocolError) return { status: error.status, message: error.message, unexpected: false };
  if (error instanceof InferenceError) return { status: 500, message: error.message, unexpected: false };
  return { status: 500, message: 'internal error', unexpected: true };
}

/**
 * 4xx but 429: the request's own fault, so it never reached the model and is not judged by rollout analysis.
 * 429 (queue full) is the server's capacity, judged like any answer.
 */
export function isClientError(status: number): boolean {
  return status >= 400 && status < 500 && status !== 429;
}
