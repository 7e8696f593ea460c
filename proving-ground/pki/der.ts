// The few DER (ASN.1 Distinguished Encoding Rules) building blocks an X.509
// certificate needs. Writing them ourselves keeps the proving ground free of
// openssl and of a certificate library: Node's crypto makes keys and signs,
// this file lays out the bytes.

export type Der = Buffer;

function encodeLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** One tag-length-value element. */
export function tlv(tag: number, content: Buffer): Der {
  return Buffer.concat([Buffer.from([tag]), encodeLength(content.length), content]);
}

export function sequence(...items: Der[]): Der {
  return tlv(0x30, Buffer.concat(items));
}

export function set(...items: Der[]): Der {
  return tlv(0x31, Buffer.concat(items));
}

export function boolean(value: boolean): Der {
  return tlv(0x01, Buffer.from([value ? 0xff : 0x00]));
}

/** A non-negative INTEGER from its big-endian magnitude. */
export function unsignedInteger(magnitude: Buffer): Der {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  let bytes = magnitude.subarray(start);
  // A set top bit would read as negative: DER wants a leading zero byte then.
  if (bytes.length === 0 || (bytes[0]! & 0x80) !== 0) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return tlv(0x02, bytes);
}

export function smallInteger(value: number): Der {
  const bytes: number[] = [];
  for (let rest = value; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest & 0xff);
  return unsignedInteger(Buffer.from(bytes.length ? bytes : [0]));
}

export function objectIdentifier(dotted: string): Der {
  const arcs = dotted.split('.').map((arc) => Number(arc));
  if (arcs.length < 2 || arcs.some((arc) => !Number.isInteger(arc) || arc < 0)) {
    throw new Error(`not an object identifier: ${dotted}`);
  }
  const bytes: number[] = [40 * arcs[0]! + arcs[1]!];
  for (const arc of arcs.slice(2)) {
    const base128: number[] = [arc & 0x7f];
    for (let rest = Math.floor(arc / 128); rest > 0; rest = Math.floor(rest / 128)) base128.unshift((rest & 0x7f) | 0x80);
    bytes.push(...base128);
  }
  return tlv(0x06, Buffer.from(bytes));
}

export function nullValue(): Der {
  return Buffer.from([0x05, 0x00]);
}

export function octetString(content: Buffer): Der {
  return tlv(0x04, content);
}

/** A BIT STRING whose content is whole bytes. */
export function bitString(content: Buffer, unusedBits = 0): Der {
  return tlv(0x03, Buffer.concat([Buffer.from([unusedBits]), content]));
}

export function utf8String(text: string): Der {
  return tlv(0x0c, Buffer.from(text, 'utf8'));
}

export function ia5String(text: string): Der {
  return tlv(0x16, Buffer.from(text, 'ascii'));
}

/** UTCTime until 2049, GeneralizedTime after, as RFC 5280 requires. */
export function time(date: Date): Der {
  const iso = date.toISOString(); // 2024-05-06T07:08:09.123Z
  const digits = iso.slice(0, 19).replace(/[-T:]/g, ''); // 20240506070809
  if (date.getUTCFullYear() < 2050) return tlv(0x17, Buffer.from(`${digits.slice(2)}Z`, 'ascii'));
  return tlv(0x18, Buffer.from(`${digits}Z`, 'ascii'));
}

/** [n] EXPLICIT: wraps a whole element. */
export function explicit(tagNumber: number, inner: Der): Der {
  return tlv(0xa0 | tagNumber, inner);
}

/** [n] IMPLICIT on a primitive: replaces the tag, keeps the content. */
export function implicitPrimitive(tagNumber: number, content: Buffer): Der {
  return tlv(0x80 | tagNumber, content);
}
