/**
 * The few protobuf wire-format pieces a hand-written encoder needs (https://protobuf.dev/programming-guides/encoding/):
 * sizes first, so that a message is written once into a buffer of its exact size, then the writes. Varints
 * of numbers are exact up to 2^53; 64-bit values beyond that go through BigInt.
 */

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LENGTH_DELIMITED = 2;
export const WIRE_FIXED32 = 5;

/** Bytes of the varint of a non-negative integer up to 2^53. */
export function varintSize(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x20_0000) return 3;
  if (value < 0x1000_0000) return 4;
  let size = 4;
  for (let rest = Math.floor(value / 0x1000_0000); rest > 0; rest = Math.floor(rest / 0x80)) size++;
  return size;
}

/** Bytes of a 64-bit varint: negative values take their two's complement, all ten bytes. */
export function bigVarintSize(value: bigint): number {
  let rest = BigInt.asUintN(64, value);
  let size = 1;
  while (rest >= 0x80n) {
    rest >>= 7n;
    size++;
  }
  return size;
}

/** An int32 as protobuf writes it: a negative one is sign-extended to 64 bits, so ten bytes. */
export function int32Size(value: number): number {
  return value < 0 ? 10 : varintSize(value);
}

/** Bytes of a length-delimited field whose content is `length` bytes, tag included (field numbers below 16). */
export function delimitedSize(length: number): number {
  return 1 + varintSize(length) + length;
}

export class ProtoWriter {
  readonly buffer: Buffer;
  offset: number;

  constructor(buffer: Buffer, offset: number) {
    this.buffer = buffer;
    this.offset = offset;
  }

  /** A tag: field numbers below 16 fit one byte, all this runtime's messages need. */
  tag(field: number, wireType: number): void {
    this.buffer[this.offset++] = (field << 3) | wireType;
  }

  varint(value: number): void {
    const buffer = this.buffer;
    while (value >= 0x80) {
      buffer[this.offset++] = (value % 0x80) | 0x80;
      value = Math.floor(value / 0x80);
    }
    buffer[this.offset++] = value;
  }

  bigVarint(value: bigint): void {
    let rest = BigInt.asUintN(64, value);
    while (rest >= 0x80n) {
      this.buffer[this.offset++] = Number(rest & 0x7fn) | 0x80;
      rest >>= 7n;
    }
    this.buffer[this.offset++] = Number(rest);
  }

  /** Also for int64 values that are numbers: a negative one is written as its 64-bit two's complement. */
  int32(value: number): void {
    if (value < 0) this.bigVarint(BigInt(value));
    else this.varint(value);
  }

  /** A length-delimited field holding `bytes`. */
  bytesField(field: number, bytes: Uint8Array): void {
    this.tag(field, WIRE_LENGTH_DELIMITED);
    this.varint(bytes.byteLength);
    this.buffer.set(bytes, this.offset);
    this.offset += bytes.byteLength;
  }

  stringField(field: number, text: string, byteLength: number): void {
    this.tag(field, WIRE_LENGTH_DELIMITED);
    this.varint(byteLength);
    this.offset += this.buffer.write(text, this.offset, byteLength, 'utf8');
  }

  /** The tag and length of a nested message or packed field, whose content the caller writes next. */
  header(field: number, length: number): void {
    this.tag(field, WIRE_LENGTH_DELIMITED);
    this.varint(length);
  }
}
