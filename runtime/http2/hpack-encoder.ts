/**
 * The answer side of HPACK: every field as a literal "without indexing" with plain (not Huffman-coded)
 * octets, and `:status: 200` as its static index. Nothing goes into the client's dynamic table, so no block
 * depends on another and a block built once can be sent on any connection: a gRPC answer's headers and OK
 * trailers are built once per process. The few octets Huffman or indexing would save are not worth
 * per-connection encoder state on a path that sends the same handful of fields on every call.
 */

export type HeaderList = readonly (readonly [name: string, value: string])[];

/** Static table index 8. */
const STATUS_200 = 0x88;
/** "Dynamic table size update" to 0 (RFC 7541, 6.3): sent when a client asks for a smaller table. */
export const TABLE_SIZE_ZERO = Buffer.from([0x20]);

export function encodeHeaderBlock(fields: HeaderList): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of fields) {
    if (name === ':status' && value === '200') {
      parts.push(Buffer.from([STATUS_200]));
      continue;
    }
    parts.push(Buffer.from([0x00]), encodeString(name), encodeString(value));
  }
  return Buffer.concat(parts);
}

function encodeString(text: string): Buffer {
  const octets = Buffer.from(text, 'latin1');
  return Buffer.concat([encodeInteger(octets.length, 7, 0x00), octets]);
}

/** An integer with an N-bit prefix (RFC 7541, 5.1); `flags` are the bits above the prefix. */
export function encodeInteger(value: number, prefixBits: number, flags: number): Buffer {
  const max = (1 << prefixBits) - 1;
  if (value < max) return Buffer.from([flags | value]);
  const bytes = [flags | max];
  let rest = value - max;
  while (rest >= 0x80) {
    bytes.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}
