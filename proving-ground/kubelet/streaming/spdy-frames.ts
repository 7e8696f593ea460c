// SPDY/3.1 framing, the part of it the kubelet's streaming API needs (kubectl port-forward and exec reach the
// kubelet as SPDY/3.1 after an HTTP upgrade; the API server tunnels kubectl's WebSocket into it unchanged).
//
// Written here rather than taken from npm: spdy-transport, the one maintained-looking SPDY library, enforces
// SPDY/3.1 flow control on what it sends (it waits for WINDOW_UPDATE after 64 KiB per stream), while
// kubectl's SPDY implementation (moby/spdystream) never sends WINDOW_UPDATE, so a forwarded response over
// 64 KiB would stall. Its last release is also from 2018. The framing itself is small; this file is pure
// (bytes in, frames out, and back) and the zlib header compression lives in spdy-session.ts.

/** Frame types of SPDY/3 control frames. */
export const FrameType = {
  synStream: 1,
  synReply: 2,
  rstStream: 3,
  settings: 4,
  ping: 6,
  goAway: 7,
  headers: 8,
  windowUpdate: 9,
} as const;

export const FLAG_FIN = 0x01;
const SPDY_VERSION = 3;
const HEADER_LENGTH = 8;

/** RST_STREAM status codes used here. */
export const RstStatus = { protocolError: 1, refusedStream: 3, cancel: 5, internalError: 6 } as const;

export type Frame =
  | { kind: 'data'; streamId: number; flags: number; data: Buffer }
  | { kind: 'control'; type: number; flags: number; body: Buffer };

// The SPDY/3 header compression dictionary (spec section 2.6.10.1): length-prefixed header names and
// values, followed by raw text, fed to zlib as a preset dictionary by both ends.
const DICTIONARY_WORDS = [
  'options', 'head', 'post', 'put', 'delete', 'trace', 'accept', 'accept-charset', 'accept-encoding',
  'accept-language', 'accept-ranges', 'age', 'allow', 'authorization', 'cache-control', 'connection',
  'content-base', 'content-encoding', 'content-language', 'content-length', 'content-location', 'content-md5',
  'content-range', 'content-type', 'date', 'etag', 'expect', 'expires', 'from', 'host', 'if-match',
  'if-modified-since', 'if-none-match', 'if-range', 'if-unmodified-since', 'last-modified', 'location',
  'max-forwards', 'pragma', 'proxy-authenticate', 'proxy-authorization', 'range', 'referer', 'retry-after',
  'server', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'user-agent', 'vary', 'via', 'warning',
  'www-authenticate', 'method', 'get', 'status', '200 OK', 'version', 'HTTP/1.1', 'url', 'public', 'set-cookie',
  'keep-alive', 'origin',
];
const DICTIONARY_TAIL = [
  '100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505',
  '203 Non-Authoritative Information', '204 No Content', '301 Moved Permanently', '400 Bad Request',
  '401 Unauthorized', '403 Forbidden', '404 Not Found', '500 Internal Server Error', '501 Not Implemented',
  '503 Service Unavailable',
  'Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT',
  'chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,',
  'text/javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.',
].join('');

export const HEADER_DICTIONARY: Buffer = Buffer.concat([
  ...DICTIONARY_WORDS.map((word) => lengthPrefixed(Buffer.from(word, 'latin1'))),
  Buffer.from(DICTIONARY_TAIL, 'latin1'),
]);

function lengthPrefixed(bytes: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

/** Splits a byte stream into frames; bytes of an unfinished frame wait for the next push. */
export class FrameReader {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Frame[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: Frame[] = [];
    while (this.pending.length >= HEADER_LENGTH) {
      const length = this.pending.readUIntBE(5, 3);
      if (this.pending.length < HEADER_LENGTH + length) break;
      frames.push(parseFrame(this.pending.subarray(0, HEADER_LENGTH + length)));
      this.pending = this.pending.subarray(HEADER_LENGTH + length);
    }
    return frames;
  }
}

function parseFrame(bytes: Buffer): Frame {
  const first = bytes.readUInt32BE(0);
  const flags = bytes[4]!;
  const body = Buffer.from(bytes.subarray(HEADER_LENGTH));
  if ((first & 0x80000000) === 0) return { kind: 'data', streamId: first, flags, data: body };
  const version = (first >>> 16) & 0x7fff;
  if (version !== SPDY_VERSION) throw new Error(`unsupported SPDY version ${version}`);
  return { kind: 'control', type: first & 0xffff, flags, body };
}

export function encodeDataFrame(streamId: number, data: Buffer, fin: boolean): Buffer {
  const header = Buffer.alloc(HEADER_LENGTH);
  header.writeUInt32BE(streamId & 0x7fffffff, 0);
  header.writeUInt32BE(((fin ? FLAG_FIN : 0) << 24) | data.length, 4);
  return Buffer.concat([header, data]);
}

export function encodeControlFrame(type: number, flags: number, body: Buffer): Buffer {
  const header = Buffer.alloc(HEADER_LENGTH);
  header.writeUInt32BE((0x8000 | SPDY_VERSION) * 0x10000 + type, 0);
  header.writeUInt32BE(((flags << 24) | body.length) >>> 0, 4);
  return Buffer.concat([header, body]);
}

/** Reads the 31-bit stream id at `offset` of a control frame's body. */
export function streamIdAt(body: Buffer, offset = 0): number {
  return body.readUInt32BE(offset) & 0x7fffffff;
}

/** Where the compressed header block starts in a frame of this type (after stream ids and priority). */
export function headerBlockOffset(type: number): number {
  return type === FrameType.synStream ? 10 : 4;
}

function uint32(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value >>> 0);
  return bytes;
}

export function synReplyBody(streamId: number, compressedHeaders: Buffer): Buffer {
  return Buffer.concat([uint32(streamId & 0x7fffffff), compressedHeaders]);
}

export function rstStreamBody(streamId: number, status: number): Buffer {
  return Buffer.concat([uint32(streamId & 0x7fffffff), uint32(status)]);
}

export function goAwayBody(lastStreamId: number, status = 0): Buffer {
  return Buffer.concat([uint32(lastStreamId & 0x7fffffff), uint32(status)]);
}

/**
 * An uncompressed header block: a count, then length-prefixed names and values. Names are lowercase on the
 * wire; several values of one name are joined by NUL.
 */
export function encodeHeaderBlock(headers: Record<string, string>): Buffer {
  const entries = Object.entries(headers);
  const parts = [uint32(entries.length)];
  for (const [name, value] of entries) {
    parts.push(lengthPrefixed(Buffer.from(name.toLowerCase(), 'utf8')), lengthPrefixed(Buffer.from(value, 'utf8')));
  }
  return Buffer.concat(parts);
}

export function decodeHeaderBlock(block: Buffer): Record<string, string> {
  const headers: Record<string, string> = {};
  let offset = 0;
  const take = (): string => {
    if (offset + 4 > block.length) throw new Error('truncated SPDY header block');
    const length = block.readUInt32BE(offset);
    if (offset + 4 + length > block.length) throw new Error('truncated SPDY header block');
    const text = block.toString('utf8', offset + 4, offset + 4 + length);
    offset += 4 + length;
    return text;
  };
  if (block.length < 4) throw new Error('truncated SPDY header block');
  const count = block.readUInt32BE(0);
  offset = 4;
  for (let index = 0; index < count; index++) {
    const name = take().toLowerCase();
    headers[name] = take();
  }
  return headers;
}
