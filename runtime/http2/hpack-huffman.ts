import { HpackError } from './hpack-error.ts';

/**
 * HPACK's Huffman code (RFC 7541, Appendix B), decoding only: the server writes its few header fields as
 * plain literals. The code is canonical — within one length, codes run in symbol order, and each length's
 * first code follows the last code of the length below, shifted — so the bit length of each of the 257
 * symbols (256 octets and EOS) is all it takes to rebuild it.
 */
const CODE_LENGTHS = [
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28,
  28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28,
  6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6,
  5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,
  13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
  7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,
  15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5,
  6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28,
  20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23,
  24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24,
  22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23,
  21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23,
  26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25,
  19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27,
  20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23,
  26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26,
  30, // EOS
];
const EOS = 256;
const MAX_LENGTH = 30;

/** Per code length: the first code of that length, how many there are, and where their symbols start in SYMBOLS. */
const FIRST_CODE = new Array<number>(MAX_LENGTH + 1).fill(0);
const COUNT = new Array<number>(MAX_LENGTH + 1).fill(0);
const OFFSET = new Array<number>(MAX_LENGTH + 1).fill(0);
/** Symbols by (length, symbol): the canonical order. */
const SYMBOLS: number[] = [];

(function buildCanonicalTables(): void {
  for (const length of CODE_LENGTHS) COUNT[length]!++;
  let code = 0;
  for (let length = 1; length <= MAX_LENGTH; length++) {
    code = (code + COUNT[length - 1]!) * 2;
    FIRST_CODE[length] = code;
    OFFSET[length] = SYMBOLS.length;
    CODE_LENGTHS.forEach((symbolLength, symbol) => {
      if (symbolLength === length) SYMBOLS.push(symbol);
    });
  }
})();

/**
 * Decodes `bytes` into a latin1 string (one char per octet, as header values travel). The padding after the
 * last symbol must be fewer than 8 bits and all ones (a prefix of EOS), and EOS itself must not appear.
 */
export function decodeHuffman(bytes: Uint8Array): string {
  // The shortest code is 5 bits, so no string decodes to more than 8/5 of its octets.
  const out = Buffer.allocUnsafe(Math.ceil((bytes.length * 8) / 5));
  let written = 0;
  let code = 0;
  let length = 0;
  let allOnes = true;
  for (let index = 0; index < bytes.length; index++) {
    const byte = bytes[index]!;
    for (let bit = 7; bit >= 0; bit--) {
      const value = (byte >> bit) & 1;
      code = code * 2 + value;
      length++;
      allOnes &&= value === 1;
      const rank = code - FIRST_CODE[length]!;
      if (rank >= 0 && rank < COUNT[length]!) {
        const symbol = SYMBOLS[OFFSET[length]! + rank]!;
        if (symbol === EOS) throw new HpackError('a Huffman-coded string contains EOS');
        out[written++] = symbol;
        code = 0;
        length = 0;
        allOnes = true;
      } else if (length === MAX_LENGTH) {
        throw new HpackError('an invalid Huffman code');
      }
    }
  }
  if (length > 7 || !allOnes) throw new HpackError('Huffman padding is not a prefix of EOS');
  return out.toString('latin1', 0, written);
}
