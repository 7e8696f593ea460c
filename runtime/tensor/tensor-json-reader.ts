import { INCOMPLETE, INVALID, JsonNumberReader } from './json-number.ts';
import { PackedArrayReader, Unsupported } from './packed-array-reader.ts';

export { Unsupported } from './packed-array-reader.ts';

/**
 * Reads a JSON request body from its raw bytes, chunk by chunk, into the value JSON.parse would give, except
 * that the lists where a protocol puts tensor data (`slots`) become PackedNumbers: their numbers go straight
 * from the bytes into a typed array, never through a whole-body string nor a JavaScript array per row.
 * JSON.parse of a 64 MiB V1 body builds 420,000 row arrays (hundreds of MiB of heap, which the worker
 * keeps for a while after) before any typed array exists.
 *
 * Our own code: the maintained streaming JSON parsers (stream-json, @streamparser/json, jsonparse, clarinet)
 * hand every token over as a JavaScript value or an event object and build numbers from strings, which costs
 * more than JSON.parse and still allocates per number; none writes numbers into typed arrays.
 *
 * It accepts only what it can vouch for; anything else (a syntax error, a string key `__proto__`, deep
 * nesting, non-rectangular or non-numeric data in a slot, a top-level value that is no object) throws
 * Unsupported, and the caller decodes the body with JSON.parse as before, so clients see the same answers
 * and the same errors either way.
 */

/** Where tensor data lies: V1 `instances`, `inputs` and `inputs.<name>`; V2 `inputs[i].data`. */
export type TensorSlots = 'v1' | 'v2';

/** Keys, strings and unfinished tokens are this short in any request a model takes. */
const MAX_TOKEN_BYTES = 1024 * 1024;
/** The JSON guard refuses deeper bodies as they arrive (json-guard.ts); this is a backstop. */
const MAX_DEPTH = 64;

const EXPECT_DOCUMENT = 0;
const EXPECT_VALUE = 1;
const EXPECT_VALUE_OR_CLOSE = 2;
const EXPECT_KEY = 3;
const EXPECT_KEY_OR_CLOSE = 4;
const EXPECT_COLON = 5;
const EXPECT_COMMA_OR_CLOSE = 6;
const EXPECT_NOTHING = 7;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;
const LITERALS: ReadonlyMap<number, readonly [string, unknown]> = new Map([
  [0x74, ['true', true]],
  [0x66, ['false', false]],
  [0x6e, ['null', null]],
] as const);

interface Frame {
  container: Record<string, unknown> | unknown[];
  /** An object's key whose value comes next. */
  key: string | undefined;
}

export class TensorJsonReader {
  readonly #slots: TensorSlots;
  readonly #maxValues: number;
  readonly #isFp32: (depth: number, key: string) => boolean;
  readonly #stack: Frame[] = [];
  #expect = EXPECT_DOCUMENT;
  #document: Record<string, unknown> | undefined;
  #packing: PackedArrayReader | undefined;
  #carry: Uint8Array | undefined;
  #values = 0;
  #bytes: Buffer = Buffer.alloc(0);
  readonly #numbers = new JsonNumberReader((start, end) => this.#bytes.toString('latin1', start, end));

  /**
   * `maxValues`: the most numbers all slots together may hold; more is left to the usual path's limits.
   * `isFp32`: whether the slot at this depth (1 or 2) and key holds an FP32 tensor, when the caller knows.
   */
  constructor(slots: TensorSlots, maxValues: number, isFp32: (depth: number, key: string) => boolean = () => false) {
    this.#slots = slots;
    this.#maxValues = maxValues;
    this.#isFp32 = isFp32;
  }

  feed(chunk: Uint8Array): void {
    const carry = this.#carry;
    this.#carry = undefined;
    const data = carry === undefined ? chunk : Buffer.concat([carry, chunk]);
    this.#bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const end = data.length;
    let pos = 0;
    while (pos < end) {
      const next = this.#packing === undefined ? this.#token(data, pos, end) : this.#pack(data, pos, end);
      if (next === INCOMPLETE) {
        if (end - pos > MAX_TOKEN_BYTES) throw new Unsupported('a token longer than a request needs');
        this.#carry = data.slice(pos, end);
        break;
      }
      pos = next;
    }
    this.#bytes = Buffer.alloc(0);
  }

  /** The document, once every byte has been fed. */
  end(): Record<string, unknown> {
    if (this.#carry !== undefined || this.#expect !== EXPECT_NOTHING || this.#document === undefined) throw new Unsupported('the body ends early');
    return this.#document;
  }

  #pack(data: Uint8Array, pos: number, end: number): number {
    const packing = this.#packing!;
    const after = packing.scan(data, pos, end);
    if (packing.notNumeric) {
      // Not tensor data after all: the list its bracket opened is read as ordinary JSON.
      this.#packing = undefined;
      this.#open([]);
      this.#expect = EXPECT_VALUE_OR_CLOSE;
      return after;
    }
    if (packing.done) {
      this.#packing = undefined;
      const packed = packing.packed();
      this.#values += packed.count;
      this.#place(packed);
      return after;
    }
    // Stopped short of the end at an unfinished number: called again there, it answers INCOMPLETE.
    return after < end && after === pos ? INCOMPLETE : after;
  }

  /** Reads one token at `pos` (whitespace included); answers where the next one starts, or INCOMPLETE. */
  #token(data: Uint8Array, pos: number, end: number): number {
    const byte = data[pos]!;
    const expect = this.#expect;
    if (byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09) return pos + 1;
    if (byte === QUOTE) return this.#string(data, pos, end);
    if (byte === COMMA) {
      if (expect !== EXPECT_COMMA_OR_CLOSE) throw new Unsupported('a misplaced comma');
      this.#expect = Array.isArray(this.#top().container) ? EXPECT_VALUE : EXPECT_KEY;
      return pos + 1;
    }
    if (byte === COLON) {
      if (expect !== EXPECT_COLON) throw new Unsupported('a misplaced colon');
      this.#expect = EXPECT_VALUE;
      return pos + 1;
    }
    if (byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) return this.#close(byte === CLOSE_ARRAY, pos);
    if (byte === OPEN_OBJECT) {
      this.#expectValue();
      this.#open({});
      this.#expect = EXPECT_KEY_OR_CLOSE;
      return pos + 1;
    }
    this.#expectValue();
    if (this.#stack.length === 0) throw new Unsupported('a document that is not an object');
    if (byte === OPEN_ARRAY) return this.#openArray(pos);
    if (byte === MINUS || (byte >= ZERO && byte <= NINE)) return this.#number(data, pos, end);
    return this.#literal(data, pos, end, byte);
  }

  #expectValue(): void {
    const expect = this.#expect;
    if (expect !== EXPECT_VALUE && expect !== EXPECT_VALUE_OR_CLOSE && expect !== EXPECT_DOCUMENT) throw new Unsupported('a value where none belongs');
  }

  #openArray(pos: number): number {
    if (this.#isSlot()) {
      const fp32 = this.#isFp32(this.#stack.length, this.#top().key!);
      this.#packing = new PackedArrayReader(this.#numbers, this.#maxValues - this.#values, fp32);
    } else {
      this.#open([]);
      this.#expect = EXPECT_VALUE_OR_CLOSE;
    }
    return pos + 1;
  }

  #isSlot(): boolean {
    const stack = this.#stack;
    const top = stack[stack.length - 1]!;
    if (this.#slots === 'v1') {
      if (stack.length === 1) return top.key === 'instances' || top.key === 'inputs';
      return stack.length === 2 && stack[0]!.key === 'inputs' && !Array.isArray(top.container);
    }
    return stack.length === 3 && top.key === 'data' && !Array.isArray(top.container) && Array.isArray(stack[1]!.container) && stack[0]!.key === 'inputs';
  }

  #number(data: Uint8Array, pos: number, end: number): number {
    const after = this.#numbers.read(data, pos, end);
    if (after === INVALID) throw new Unsupported('a malformed number');
    if (after === INCOMPLETE) return INCOMPLETE;
    this.#place(this.#numbers.value);
    return after;
  }

  #literal(data: Uint8Array, pos: number, end: number, byte: number): number {
    const literal = LITERALS.get(byte);
    if (literal === undefined) throw new Unsupported(`byte ${byte} where a value belongs`);
    const [text, value] = literal;
    if (end - pos < text.length) return INCOMPLETE;
    for (let i = 1; i < text.length; i++) if (data[pos + i] !== text.charCodeAt(i)) throw new Unsupported('a misspelt literal');
    this.#place(value);
    return pos + text.length;
  }

  /** A string, as a key or a value; JSON.parse of its own bytes settles escapes and UTF-8 as it would in the whole. */
  #string(data: Uint8Array, pos: number, end: number): number {
    let i = pos + 1;
    let plain = true;
    while (i < end) {
      const byte = data[i]!;
      if (byte === QUOTE) break;
      if (byte < 0x20) throw new Unsupported('a control character in a string');
      if (byte === BACKSLASH || byte >= 0x80) plain = false;
      i += byte === BACKSLASH ? 2 : 1;
    }
    if (i >= end) return INCOMPLETE;
    // ASCII without escapes is its own text (names, datatypes; BYTES elements read as ordinary JSON).
    const text = plain ? this.#bytes.toString('latin1', pos + 1, i) : this.#decodedString(pos, i + 1);
    if (this.#expect === EXPECT_KEY || this.#expect === EXPECT_KEY_OR_CLOSE) {
      // An own property named __proto__, as JSON.parse makes, would take assignment to set the prototype.
      if (text === '__proto__') throw new Unsupported('a key __proto__');
      this.#top().key = text;
      this.#expect = EXPECT_COLON;
    } else {
      this.#expectValue();
      if (this.#stack.length === 0) throw new Unsupported('a document that is not an object');
      this.#place(text);
    }
    return i + 1;
  }

  #decodedString(start: number, end: number): string {
    try {
      return JSON.parse(this.#bytes.toString('utf8', start, end)) as string;
    } catch {
      throw new Unsupported('a malformed string');
    }
  }

  #top(): Frame {
    return this.#stack[this.#stack.length - 1]!;
  }

  /** Puts a value where the innermost container wants it: pushed to a list, or set at an object's key. */
  #place(value: unknown): void {
    const top = this.#top();
    if (Array.isArray(top.container)) top.container.push(value);
    else top.container[top.key!] = value;
    this.#expect = EXPECT_COMMA_OR_CLOSE;
  }

  #open(container: Record<string, unknown> | unknown[]): void {
    if (this.#stack.length === MAX_DEPTH) throw new Unsupported('nesting deeper than any request needs');
    if (this.#stack.length === 0) {
      if (Array.isArray(container)) throw new Unsupported('a document that is not an object');
      this.#document = container;
    } else {
      this.#place(container);
    }
    this.#stack.push({ container, key: undefined });
  }

  #close(isArray: boolean, pos: number): number {
    const expect = this.#expect;
    const top = this.#stack[this.#stack.length - 1];
    const closable = isArray ? EXPECT_VALUE_OR_CLOSE : EXPECT_KEY_OR_CLOSE;
    if (top === undefined || Array.isArray(top.container) !== isArray || (expect !== EXPECT_COMMA_OR_CLOSE && expect !== closable)) {
      throw new Unsupported('a misplaced bracket');
    }
    this.#stack.pop();
    this.#expect = this.#stack.length === 0 ? EXPECT_NOTHING : EXPECT_COMMA_OR_CLOSE;
    return pos + 1;
  }
}
