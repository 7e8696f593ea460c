import type { HeaderField } from './hpack-decoder.ts';

/**
 * A request's header fields as the object handlers read (lower-case names, repeated fields joined with
 * ", " as Node joins them), checked for what RFC 9113 (8.2, 8.3) calls malformed: upper-case names,
 * pseudo-headers after regular ones, unknown or repeated pseudo-headers, connection-specific fields, a `te`
 * other than "trailers", and a request without :method, :scheme or :path.
 */

export type RequestHeaders = Record<string, string>;

const REQUEST_PSEUDO_HEADERS = new Set([':method', ':scheme', ':path', ':authority']);
const CONNECTION_SPECIFIC = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);
const UPPER_CASE = /[A-Z]/;

/** The headers, or the reason they are malformed. */
export function requestHeaders(fields: readonly HeaderField[]): RequestHeaders | string {
  const headers: RequestHeaders = Object.create(null) as RequestHeaders;
  let regularSeen = false;
  for (const [name, value] of fields) {
    if (name.length === 0 || UPPER_CASE.test(name)) return `the header name "${name}" is not lower-case`;
    if (name.charCodeAt(0) === 0x3a) {
      if (regularSeen) return `the pseudo-header ${name} comes after a regular header`;
      if (!REQUEST_PSEUDO_HEADERS.has(name)) return `${name} is not a request pseudo-header`;
      if (headers[name] !== undefined) return `${name} appears twice`;
      headers[name] = value;
      continue;
    }
    regularSeen = true;
    if (CONNECTION_SPECIFIC.has(name)) return `the connection-specific header ${name} is not allowed in HTTP/2`;
    if (name === 'te' && value !== 'trailers') return `te may only be "trailers" in HTTP/2`;
    const earlier = headers[name];
    headers[name] = earlier === undefined ? value : `${earlier}, ${value}`;
  }
  if (headers[':method'] === undefined) return 'the request has no :method';
  if (headers[':method'] !== 'CONNECT' && (headers[':scheme'] === undefined || !headers[':path'])) return 'the request has no :scheme or :path';
  const contentLength = headers['content-length'];
  if (contentLength !== undefined && !/^\d{1,15}$/.test(contentLength)) return 'content-length is not a number';
  return headers;
}

/** Trailers a client sends after its body: regular fields only. */
export function trailersMalformation(fields: readonly HeaderField[]): string | undefined {
  for (const [name] of fields) {
    if (name.length === 0 || UPPER_CASE.test(name)) return `the trailer name "${name}" is not lower-case`;
    if (name.charCodeAt(0) === 0x3a) return `trailers may not carry the pseudo-header ${name}`;
  }
  return undefined;
}
