import { HpackError } from './hpack-error.ts';
import { decodeHuffman } from './hpack-huffman.ts';
import { STATIC_TABLE } from './hpack-static-table.ts';

/**
 * The request side of HPACK (RFC 7541): one decoder per connection, fed every header block in the order the
 * blocks arrive, since blocks change the dynamic table the next ones refer to. Names and values come out
 * as latin1 strings, one char per octet, as Node hands header values over.
 *
 * A block whose headers add up to more than the list limit (RFC 9113's SETTINGS_MAX_HEADER_LIST_SIZE:
 * octets of names and values plus 32 per field) is still decoded to its end, so that the table stays in
 * step with the client's, but its fields are no longer kept: the caller refuses that one request and the
 * connection goes on.
 */

export type HeaderField = [name: string, value: string];

export interface DecodedBlock {
  fields: HeaderField[];
  /** True when the fields went over the list limit; `fields` then holds only those that fitted. */
  oversize: boolean;
}

/** Each entry costs its octets plus 32 (RFC 7541, 4.1). */
const ENTRY_OVERHEAD = 32;
const STATIC_ENTRIES = STATIC_TABLE.length - 1;
/** Integers beyond 2^31 are no length or index this server would accept. */
const MAX_INTEGER = 2 ** 31;

export class HpackDecoder {
  /** Newest first, as the dynamic table is indexed. */
  readonly #entries: HeaderField[] = [];
  #size = 0;
  #maxSize: number;
  /** The largest size the client may choose: what this server advertised (SETTINGS_HEADER_TABLE_SIZE). */
  readonly #limit: number;
  #block: Uint8Array = new Uint8Array(0);
  #offset = 0;

  constructor(tableSizeLimit = 4096) {
    this.#limit = tableSizeLimit;
    this.#maxSize = tableSizeLimit;
  }

  decode(block: Uint8Array, maxListBytes: number): DecodedBlock {
    this.#block = block;
    this.#offset = 0;
    const fields: HeaderField[] = [];
    let listBytes = 0;
    let oversize = false;
    let fieldSeen = false;
    while (this.#offset < block.length) {
      const byte = block[this.#offset]!;
      if ((byte & 0xe0) === 0x20) {
        if (fieldSeen) throw new HpackError('a dynamic table size update after a header field');
        this.#resize(this.#integer(5));
        continue;
      }
      fieldSeen = true;
      const field = this.#field(byte);
      listBytes += field[0].length + field[1].length + ENTRY_OVERHEAD;
      if (listBytes > maxListBytes) oversize = true;
      if (!oversize) fields.push(field);
    }
    this.#block = new Uint8Array(0);
    return { fields, oversize };
  }

  #field(byte: number): HeaderField {
    if (byte & 0x80) {
      const index = this.#integer(7);
      if (index === 0) throw new HpackError('an indexed header field with index 0');
      return this.#entry(index);
    }
    if (byte & 0x40) {
      const field = this.#literal(6);
      this.#insert(field);
      return field;
    }
    // Without indexing (0000) or never indexed (0001): the same to a decoder.
    return this.#literal(4);
  }

  #literal(prefixBits: number): HeaderField {
    const index = this.#integer(prefixBits);
    const name = index === 0 ? this.#string() : this.#entry(index)[0];
    return [name, this.#string()];
  }

  #entry(index: number): HeaderField {
    if (index <= STATIC_ENTRIES) return STATIC_TABLE[index] as HeaderField;
    const entry = this.#entries[index - STATIC_ENTRIES - 1];
    if (entry === undefined) throw new HpackError(`header table index ${index} is out of range`);
    return entry;
  }

  #insert(field: HeaderField): void {
    const size = field[0].length + field[1].length + ENTRY_OVERHEAD;
    this.#entries.unshift(field);
    this.#size += size;
    this.#evictTo(this.#maxSize);
  }

  #resize(size: number): void {
    if (size > this.#limit) throw new HpackError(`a dynamic table size update to ${size} octets, above the ${this.#limit} allowed`);
    this.#maxSize = size;
    this.#evictTo(size);
  }

  #evictTo(size: number): void {
    while (this.#size > size) {
      const evicted = this.#entries.pop()!;
      this.#size -= evicted[0].length + evicted[1].length + ENTRY_OVERHEAD;
    }
  }

  /** An integer with an N-bit prefix (RFC 7541, 5.1). */
  #integer(prefixBits: number): number {
    const block = this.#block;
    const mask = (1 << prefixBits) - 1;
    let value = block[this.#offset++]! & mask;
    if (value < mask) return value;
    let shift = 0;
    for (;;) {
      if (this.#offset >= block.length) throw new HpackError('a header block ends inside an integer');
      const byte = block[this.#offset++]!;
      value += (byte & 0x7f) * 2 ** shift;
      shift += 7;
      if (value > MAX_INTEGER) throw new HpackError('an integer in a header block is too large');
      if ((byte & 0x80) === 0) return value;
    }
  }

  /** A string literal (RFC 7541, 5.2): Huffman-coded or plain octets. */
  #string(): string {
    if (this.#offset >= this.#block.length) throw new HpackError('a header block ends before a string');
    const huffman = (this.#block[this.#offset]! & 0x80) !== 0;
    const length = this.#integer(7);
    const end = this.#offset + length;
    if (end > this.#block.length) throw new HpackError('a string runs past the end of its header block');
    const bytes = this.#block.subarray(this.#offset, end);
    this.#offset = end;
    return huffman ? decodeHuffman(bytes) : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  }
}
