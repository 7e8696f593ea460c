import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { INCOMPLETE, INVALID, JsonNumberReader } from './json-number.ts';

// The streaming reader's numbers must be the very doubles JSON.parse gives (Object.is: -0 and all), on the
// fast path (≤ 15 digits, small exponents) and the slow one alike.

function read(text: string): number {
  const bytes = Buffer.from(`${text},`);
  const reader = new JsonNumberReader((start, end) => bytes.toString('latin1', start, end));
  const end = reader.read(bytes, 0, bytes.length);
  assert.equal(end, bytes.length - 1, `${text} read to ${end}`);
  return reader.value;
}

function assertSameAsJsonParse(text: string): void {
  const expected = JSON.parse(text) as number;
  const actual = read(text);
  assert.ok(Object.is(actual, expected), `${text}: read ${actual}, JSON.parse ${expected}`);
}

const EDGE_CASES = [
  '0', '-0', '0.0', '-0.0', '0e0', '-0e-5', '0e99999', '1', '-1', '9', '10', '0.1', '0.2', '0.3', '-0.035000000000',
  '1e22', '1e23', '1e-22', '1e-23', '123456789012345', '1234567890123456', '12345678901234567890123',
  '9007199254740991', '9007199254740992', '9007199254740993', '18446744073709551615', '-9223372036854775808',
  '1.7976931348623157e308', '1.7976931348623158e308', '1.7976931348623159e308', '1e308', '1e309', '-1e400', '1e999999999',
  '5e-324', '4.9406564584124654e-324', '2.4703282292062327e-324', '2.4703282292062328e-324', '1e-400', '-1e-99999999',
  '2.2250738585072011e-308', '2.2250738585072014e-308', '123456789012345e-22', '999999999999999e22', '999999999999999e-22',
  '0.000000000000000000000000000001', '100000000000000000000000.0', '3.4028234663852886e38', '3.4028235677973366e38',
  '65504', '65520', '1E5', '1e+5', '1E-5', '0.5e1', '12.5E+2', '1.00000000000000000000000000001',
  '89255.0e-22', '8.98846567431158e307', '4.35679615819422e-305', '0.1e-320', '7.2057594037927933e16',
];

test('edge-case numbers read as JSON.parse reads them', () => {
  for (const text of EDGE_CASES) assertSameAsJsonParse(text);
});

test('random doubles, as JSON.stringify writes them, read back exactly', () => {
  fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (value) => assertSameAsJsonParse(JSON.stringify(value))), {
    numRuns: 20_000,
  });
});

test('random decimal texts (long mantissas, any exponent) read as JSON.parse reads them', () => {
  const digits = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });
  const text = fc
    .record({
      minus: fc.boolean(),
      integer: fc.oneof(fc.constant('0'), fc.tuple(fc.constantFrom(...'123456789'), digits(0, 24)).map(([first, rest]) => first + rest)),
      fraction: fc.option(digits(1, 30)),
      exponent: fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), fc.integer({ min: 0, max: 400 }))),
    })
    .map(({ minus, integer, fraction, exponent }) =>
      `${minus ? '-' : ''}${integer}${fraction === null ? '' : `.${fraction}`}${exponent === null ? '' : exponent.join('')}`,
    );
  fc.assert(fc.property(text, assertSameAsJsonParse), { numRuns: 20_000 });
});

test('what JSON does not call a number is refused', () => {
  for (const text of ['-', '-a', '01', '-01', '1.', '1.e5', '.5', '1e', '1e+', '1e-', '-.5', '1.5e+-3', '+1', '00']) {
    const bytes = Buffer.from(`${text},`);
    const reader = new JsonNumberReader((start, end) => bytes.toString('latin1', start, end));
    const end = reader.read(bytes, 0, bytes.length);
    // Either refused here or stopped early, leaving the next byte for the caller, who refuses what follows.
    assert.ok(end === INVALID || (end > 0 && end < bytes.length - 1), `${text} read to ${end}`);
    assert.throws(() => JSON.parse(`[${text}]`));
  }
});

test('a number that runs into the end of the bytes is incomplete, not finished', () => {
  for (const text of ['1', '-', '12.', '12.5', '1e', '1e5', '-0']) {
    const bytes = Buffer.from(text);
    const reader = new JsonNumberReader((start, end) => bytes.toString('latin1', start, end));
    assert.equal(reader.read(bytes, 0, bytes.length), INCOMPLETE, text);
  }
});
