import { ProtocolError } from '../protocol/errors.ts';
import type { RequestLimits } from '../protocol/request-limits.ts';

/** JSON nested deeper than this is no tensor any model takes: rejected before parsing. */
export const MAX_JSON_DEPTH = 64;

/**
 * Bodies declared no larger than this are left to JSON.parse alone (the caller builds no guard for them): parsing them costs little memory, and
 * scanning every byte in JavaScript costs about as much as parsing, which small requests should not pay.
 * Larger ones (and bodies of unknown length) are scanned from their first byte, chunk by chunk as they
 * arrive, so that one over the limits is refused after a few kilobytes with little work per chunk.
 */
export const GUARD_FROM_BYTES = 4 * 1024 * 1024;

/** Structure beside the tensor data itself: names, datatypes, shapes, parameters. */
const STRUCTURAL_VALUES = 65_536;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
/** 1 for the bytes the guard acts on; everything else (digits above all) is skipped with one lookup. */
const STRUCTURAL = new Uint8Array(256);
for (const byte of [QUOTE, BACKSLASH, COMMA, OPEN_ARRAY, CLOSE_ARRAY, OPEN_OBJECT, CLOSE_OBJECT]) STRUCTURAL[byte] = 1;

/**
 * Watches a JSON body as it arrives, so that a request far over the limits is answered 413 after a few
 * kilobytes instead of after reading, parsing and allocating all of it, and so that pathological nesting
 * never reaches the parser. It tracks only strings, nesting and commas; JSON.parse still decides validity.
 *
 * - Every array at depth 2 or 3 holds rows in both protocols (V1 `instances` and columnar `inputs`, with or
 *   without input names) or far fewer entries (V2 `inputs` and `outputs`), so none may exceed maxRows.
 * - Every tensor element is one JSON value, so the values in the whole document cannot exceed maxElements
 *   plus a generous allowance for structure.
 *
 * A hand-written scanner, since no maintained streaming JSON library stops on these limits without building
 * the values it counts.
 */
export class JsonGuard {
  readonly #limits: RequestLimits;
  readonly #maxValues: number;
  /** Bytes still to watch: the JSON part of a binary-extension body ends before the tensor bytes. */
  #remaining: number;
  #inString = false;
  #escaped = false;
  #depth = 0;
  #values = 0;
  readonly #isArray = new Uint8Array(MAX_JSON_DEPTH + 2);
  readonly #commas = new Float64Array(MAX_JSON_DEPTH + 2);

  /** `jsonBytes`: where the JSON ends, when binary tensor data follows it. */
  constructor(limits: RequestLimits, jsonBytes = Number.POSITIVE_INFINITY) {
    this.#limits = limits;
    this.#maxValues = limits.maxElements + 8 * limits.maxRows + STRUCTURAL_VALUES;
    this.#remaining = jsonBytes;
  }

  /** Throws a ProtocolError as soon as the bytes seen so far break a limit. */
  feed(chunk: Uint8Array): void {
    if (this.#remaining <= 0) return;
    const end = Math.min(chunk.length, this.#remaining);
    this.#remaining -= end;
    // The hot loop keeps its state in locals: this runs over every byte of every JSON body.
    let inString = this.#inString;
    let escaped = this.#escaped;
    let values = this.#values;
    const maxValues = this.#maxValues;
    for (let i = 0; i < end; i++) {
      const byte = chunk[i]!;
      if (STRUCTURAL[byte] === 0) continue;
      if (inString) {
        if (escaped) escaped = false;
        else if (byte === BACKSLASH) escaped = true;
        else if (byte === QUOTE) inString = false;
      } else if (byte === COMMA) {
        if (++values > maxValues) this.#tooManyValues();
        if (this.#depth === 2 || this.#depth === 3) this.#rowSeparator();
      } else if (byte === QUOTE) inString = true;
      else if (byte === OPEN_ARRAY || byte === OPEN_OBJECT) this.#open(byte === OPEN_ARRAY);
      else if (byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) this.#depth = this.#depth > 0 ? this.#depth - 1 : 0;
    }
    this.#inString = inString;
    this.#escaped = escaped;
    this.#values = values;
  }

  #open(isArray: boolean): void {
    const depth = ++this.#depth;
    if (depth > MAX_JSON_DEPTH) throw new ProtocolError(400, `request body is nested deeper than ${MAX_JSON_DEPTH} levels`);
    this.#isArray[depth] = isArray ? 1 : 0;
    this.#commas[depth] = 0;
  }

  #tooManyValues(): never {
    throw new ProtocolError(
      413,
      `request body holds more than ${this.#maxValues} JSON values; the most one request may carry is ${this.#limits.maxElements} elements (--max-request-elements)`,
    );
  }

  #rowSeparator(): void {
    const depth = this.#depth;
    {
      const commas = (this.#commas[depth] ?? 0) + 1;
      this.#commas[depth] = commas;
      const entries = commas + 1;
      if (this.#isArray[depth] === 1 && entries > this.#limits.maxRows) {
        throw new ProtocolError(413, `request body has more than ${this.#limits.maxRows} rows; the most one request may carry is ${this.#limits.maxRows} (--max-request-rows)`);
      }
    }
  }
}
