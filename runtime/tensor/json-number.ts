/**
 * Reads one JSON number from raw bytes, to exactly the double JSON.parse gives for the same text.
 *
 * Most tensor values have at most 15 significant digits and a small exponent. For those the decimal digits
 * make an integer m < 10^15 and the value is m × 10^e or m / 10^-e with |e| ≤ 22: both operands are exact
 * doubles, so the one IEEE multiplication or division rounds the exact result correctly, which is all
 * JSON.parse (and Number) promise (Clinger's fast path; V8's own string-to-double starts the same way).
 * Anything else (more digits, larger exponents) is handed to Number() on the token's text, which for text
 * that follows JSON's number grammar is the same conversion JSON.parse makes.
 */

/** The token ran into the end of the bytes given: it may go on in the next chunk. */
export const INCOMPLETE = -1;
/** Not a JSON number (leading zeros, a lone minus, `1.`, `.5`, `1e`, …). */
export const INVALID = -2;

const ZERO = 0x30;
const NINE = 0x39;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const LOWER_E = 0x65;
const UPPER_E = 0x45;

const MAX_EXACT_DIGITS = 15;
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, power) => Number(`1e${power}`));
/** Exponents this large in magnitude take the slow path anyway; stop accumulating so the integer stays finite. */
const EXPONENT_CAP = 100_000;

export class JsonNumberReader {
  /** The number read by the last successful `read`. */
  value = 0;
  readonly #text: (start: number, end: number) => string;

  /** `text`: the bytes from start to end as a string, for the slow path (the token is ASCII by then). */
  constructor(text: (start: number, end: number) => string) {
    this.#text = text;
  }

  /**
   * Reads the number starting at `pos` (a minus or a digit); answers the position after it, INCOMPLETE when
   * it reaches `end` (where a next chunk could continue it), or INVALID.
   */
  read(data: Uint8Array, pos: number, end: number): number {
    const start = pos;
    const negative = data[pos] === MINUS;
    if (negative) pos++;
    if (pos >= end) return INCOMPLETE;
    let byte = data[pos]!;
    let mantissa = 0;
    let digits = 0;
    if (byte === ZERO) {
      pos++;
    } else if (byte > ZERO && byte <= NINE) {
      do {
        mantissa = mantissa * 10 + (byte - ZERO);
        digits++;
        if (++pos >= end) return INCOMPLETE;
        byte = data[pos]!;
      } while (byte >= ZERO && byte <= NINE);
    } else {
      return INVALID;
    }
    if (pos >= end) return INCOMPLETE;
    byte = data[pos]!;
    let fractionDigits = 0;
    if (byte === DOT) {
      if (++pos >= end) return INCOMPLETE;
      byte = data[pos]!;
      if (byte < ZERO || byte > NINE) return INVALID;
      do {
        const digit = byte - ZERO;
        if (mantissa !== 0 || digit !== 0) digits++;
        mantissa = mantissa * 10 + digit;
        fractionDigits++;
        if (++pos >= end) return INCOMPLETE;
        byte = data[pos]!;
      } while (byte >= ZERO && byte <= NINE);
    }
    let exponent = 0;
    if (byte === LOWER_E || byte === UPPER_E) {
      const after = this.#exponent(data, pos + 1, end);
      if (after < 0) return after;
      exponent = this.#exponentValue;
      pos = after;
    }
    this.value = this.#convert(data, start, pos, negative, mantissa, digits, exponent - fractionDigits);
    return pos;
  }

  #exponentValue = 0;

  #exponent(data: Uint8Array, pos: number, end: number): number {
    if (pos >= end) return INCOMPLETE;
    let byte = data[pos]!;
    const negative = byte === MINUS;
    if (negative || byte === PLUS) {
      if (++pos >= end) return INCOMPLETE;
      byte = data[pos]!;
    }
    if (byte < ZERO || byte > NINE) return INVALID;
    let exponent = 0;
    do {
      if (exponent < EXPONENT_CAP) exponent = exponent * 10 + (byte - ZERO);
      if (++pos >= end) return INCOMPLETE;
      byte = data[pos]!;
    } while (byte >= ZERO && byte <= NINE);
    this.#exponentValue = negative ? -exponent : exponent;
    return pos;
  }

  #convert(data: Uint8Array, start: number, end: number, negative: boolean, mantissa: number, digits: number, power: number): number {
    let magnitude: number;
    if (mantissa === 0) magnitude = 0;
    else if (digits > MAX_EXACT_DIGITS || power > 22 || power < -22) return Number(this.#text(start, end));
    else magnitude = power >= 0 ? mantissa * POWERS_OF_TEN[power]! : mantissa / POWERS_OF_TEN[-power]!;
    return negative ? -magnitude : magnitude;
  }
}
