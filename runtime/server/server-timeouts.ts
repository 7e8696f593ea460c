import type { ServerOptions } from 'node:http';

/** How long a peer may take; a slow or silent client must not hold a connection (or a drain) for minutes. */
export interface ServerTimeouts {
  /** From connecting to the end of the request headers. */
  headersMs: number;
  /** From connecting to the end of the request body. */
  requestMs: number;
  /** An idle keep-alive connection between requests. */
  keepAliveMs: number;
}

/**
 * Node checks the headers and request deadlines on a timer (30 s by default), which is how a 60 s headers
 * timeout became 95 s: checking every second keeps the deadlines close to what they say. Timed-out requests
 * get 408 and the connection is closed.
 */
export function serverOptions(timeouts: ServerTimeouts): ServerOptions {
  return {
    // Node refuses a headers timeout longer than the request timeout; the headers are part of the request.
    headersTimeout: Math.min(timeouts.headersMs, timeouts.requestMs),
    requestTimeout: timeouts.requestMs,
    keepAliveTimeout: timeouts.keepAliveMs,
    connectionsCheckingInterval: Math.min(1000, timeouts.headersMs, timeouts.requestMs),
  };
}
