import type { HeaderField } from './hpack-decoder.ts';

/**
 * A request's header fields as the object handlers read (lower-case names, repeated fields joined with
 * ", " as Node joins them, cookies with "; "), checked for what RFC 9113 (8.2, 8.3) calls malformed:
 * names that are not lower-case tokens, values with NUL, CR or LF, pseudo-headers after regular ones,
 * unknown or repeated pseudo-headers, connection-specific fields, a `te` other than "trailers", and a
 * request without :method, :scheme or :path. The reason is returned for the reader of the code and tests;
 * the client gets RST_STREAM PROTOCOL_ERROR.
 */

export type RequestHeaders = Record<string, string>;

const REQUEST_PSEUDO_HEADERS = new Set([':method', ':scheme', ':path', ':authority']);
const CONNECTION_SPECIFIC = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);
/** A regular field name: token characters (RFC 9110, 5.6.2), lower-case only. */
const FIELD_NAME = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;
/** A field value may not carry NUL, CR or LF (RFC 9113, 8.2.1). */
const FORBIDDEN_IN_VALUE = /[\0\r\n]/;

/** The headers, or the reason they are malformed. */
export function requestHeaders(fields: readonly HeaderField[]): RequestHeaders | string {
  const headers: RequestHeaders = Object.create(null) as RequestHeaders;
  let regularSeen = false;
  for (const [name, value] of fields) {
    if (FORBIDDEN_IN_VALUE.test(value)) return `the value of ${name} contains NUL, CR or LF`;
    if (name.charCodeAt(0) === 0x3a) {
      if (regularSeen) return `the pseudo-header ${name} comes after a regular header`;
      if (!REQUEST_PSEUDO_HEADERS.has(name)) return `${name} is not a request pseudo-header`;
      if (headers[name] !== undefined) return `${name} appears twice`;
      headers[name] = value;
      continue;
    }
    regularSeen = true;
    if (!FIELD_NAME.test(name)) return `the header name "${name}" is not a lower-case token`;
    if (CONNECTION_SPECIFIC.has(name)) return `the connection-specific header ${name} is not allowed in HTTP/2`;
    if (name === 'te' && value !== 'trailers') return `te may only be "trailers" in HTTP/2`;
    const earlier = headers[name];
    headers[name] = earlier === undefined ? value : `${earlier}${name === 'cookie' ? '; ' : ', '}${value}`;
  }
  if (headers[':method'] === undefined) return 'the request has no :method';
  if (headers[':method'] !== 'CONNECT' && (headers[':scheme'] === undefined || !headers[':path'])) return 'the request has no :scheme or :path';
  const contentLength = headers['content-length'];
  if (contentLength !== undefined && !/^\d{1,15}$/.test(contentLength)) return 'content-length is not a number';
  return headers;
}

/** Trailers a client sends after its body: regular fields only. */
export function trailersMalformation(fields: readonly HeaderField[]): string | undefined {
  for (const [name, value] of fields) {
    if (name.charCodeAt(0) === 0x3a) return `trailers may not carry the pseudo-header ${name}`;
    if (!FIELD_NAME.test(name)) return `the trailer name "${name}" is not a lower-case token`;
    if (FORBIDDEN_IN_VALUE.test(value)) return `the value of ${name} contains NUL, CR or LF`;
  }
  return undefined;
}
