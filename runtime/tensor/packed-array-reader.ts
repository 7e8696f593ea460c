import { INCOMPLETE, INVALID, JsonNumberReader } from './json-number.ts';
import { NumberBlocks } from './packed-numbers.ts';
import type { PackedNumbers } from './packed-numbers.ts';

/** The streaming reader met something it leaves to JSON.parse: the caller decodes the body the usual way. */
export class Unsupported extends Error {
  constructor(what: string) {
    super(`left to JSON.parse: ${what}`);
    this.name = 'Unsupported';
  }
}

/** As deep as a packed array may nest; deeper ones are left to the usual path and its own limits. */
const MAX_PACKED_DEPTH = 32;

const COMMA = 0x2c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;
/** Space, tab, line feed, carriage return: JSON's whitespace and nothing else. */
const WHITESPACE = new Uint8Array(256);
for (const byte of [0x20, 0x09, 0x0a, 0x0d]) WHITESPACE[byte] = 1;

/**
 * Reads a nested JSON array of numbers, its opening bracket already read, straight into NumberBlocks,
 * checking as it goes that it is rectangular (every list at one depth as long as the first, numbers only at
 * the deepest level) and that it is valid JSON. Whatever else it meets (an empty list, a ragged one, a
 * string, `true`, `NaN`, trailing commas) throws Unsupported, except one case: a list whose very first
 * element is no number or list (e.g. V1 rows given as objects) is handed back (`notNumeric`) to be read as
 * ordinary JSON.
 */
export class PackedArrayReader {
  /** The closing bracket of the outermost list has been read. */
  done = false;
  /** The list holds something other than numbers from its first element: read it as ordinary JSON instead. */
  notNumeric = false;
  readonly #numbers: JsonNumberReader;
  readonly #blocks: NumberBlocks;
  readonly #singlePrecision: boolean;
  readonly #maxValues: number;
  /** Elements so far of the list open at each depth (1: the outermost). */
  readonly #counts = new Float64Array(MAX_PACKED_DEPTH + 2);
  /** Each depth's length, from the first list of that depth to close; 0 until then. */
  readonly #lengths = new Float64Array(MAX_PACKED_DEPTH + 2);
  #depth = 1;
  /** The depth numbers are at, from the first number on; 0 before. */
  #leafDepth = 0;
  #expectElement = true;

  /** `singlePrecision`: the list is FP32 tensor data (see NumberBlocks); a value too large for it is left to JSON.parse. */
  constructor(numbers: JsonNumberReader, maxValues: number, singlePrecision: boolean) {
    this.#numbers = numbers;
    this.#maxValues = maxValues;
    this.#singlePrecision = singlePrecision;
    this.#blocks = new NumberBlocks(singlePrecision);
  }

  /**
   * Reads from `pos` until the outermost list closes (`done`), the first element turns out not numeric
   * (`notNumeric`), or the bytes end; answers where it stopped. Not done, that is where an unfinished
   * number starts (or `end`): the caller keeps those bytes for the next chunk.
   */
  scan(data: Uint8Array, pos: number, end: number): number {
    const blocks = this.#blocks;
    const counts = this.#counts;
    while (pos < end) {
      const byte = data[pos]!;
      if ((byte >= ZERO && byte <= NINE) || byte === MINUS) {
        if (!this.#expectElement) throw new Unsupported('a number where a comma belongs');
        const depth = this.#depth;
        if (depth !== this.#leafDepth) this.#firstNumberAt(depth);
        const after = this.#numbers.read(data, pos, end);
        if (after === INCOMPLETE) return pos;
        if (after === INVALID) throw new Unsupported('a malformed number');
        const value = this.#numbers.value;
        if (this.#singlePrecision && !Number.isFinite(Math.fround(value))) throw new Unsupported('a value out of range for FP32');
        blocks.push(value);
        if (blocks.count > this.#maxValues) throw new Unsupported('more values than the request may carry');
        counts[depth] = counts[depth]! + 1;
        this.#expectElement = false;
        pos = after;
      } else if (byte === COMMA) {
        if (this.#expectElement) throw new Unsupported('a misplaced comma');
        this.#expectElement = true;
        pos++;
      } else if (byte === OPEN_ARRAY) {
        this.#open();
        pos++;
      } else if (byte === CLOSE_ARRAY) {
        if (this.#startsNonNumeric()) return pos;
        this.#close();
        pos++;
        if (this.#depth === 0) {
          this.done = true;
          return pos;
        }
      } else if (WHITESPACE[byte] === 1) {
        pos++;
      } else {
        if (this.#startsNonNumeric()) return pos;
        throw new Unsupported(`byte ${byte} in a list of numbers`);
      }
    }
    return pos;
  }

  /** Nothing read yet but the outermost bracket: the list may still be read as ordinary JSON. */
  #startsNonNumeric(): boolean {
    if (this.#depth !== 1 || this.#counts[1] !== 0) return false;
    this.notNumeric = true;
    return true;
  }

  #firstNumberAt(depth: number): void {
    if (this.#leafDepth !== 0) throw new Unsupported('numbers at different depths');
    this.#leafDepth = depth;
  }

  #open(): void {
    if (!this.#expectElement) throw new Unsupported('a list where a comma belongs');
    const depth = this.#depth;
    if ((this.#leafDepth !== 0 && depth >= this.#leafDepth) || depth >= MAX_PACKED_DEPTH) throw new Unsupported('lists nested unevenly or too deep');
    this.#counts[depth] = this.#counts[depth]! + 1;
    this.#depth = depth + 1;
    this.#counts[depth + 1] = 0;
    this.#expectElement = true;
  }

  #close(): void {
    const depth = this.#depth;
    const count = this.#counts[depth]!;
    if (count === 0) throw new Unsupported('an empty list');
    if (this.#expectElement) throw new Unsupported('a trailing comma');
    if (this.#lengths[depth] === 0) this.#lengths[depth] = count;
    else if (this.#lengths[depth] !== count) throw new Unsupported('a ragged list');
    this.#depth = depth - 1;
    this.#expectElement = false;
  }

  /** The list read, once `done`. */
  packed(): PackedNumbers {
    if (!this.done) throw new Error('the list has not ended');
    return this.#blocks.pack(Array.from(this.#lengths.subarray(1, this.#leafDepth + 1)));
  }
}
