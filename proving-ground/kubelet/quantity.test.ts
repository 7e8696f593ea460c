import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatForDivisor, parseQuantity } from './quantity.ts';

test('quantities parse with decimal, binary and exponent suffixes', () => {
  assert.equal(parseQuantity('500m'), 0.5);
  assert.equal(parseQuantity('2'), 2);
  assert.equal(parseQuantity('1Gi'), 2 ** 30);
  assert.equal(parseQuantity('128M'), 128e6);
  assert.equal(parseQuantity('1e3'), 1000);
  assert.throws(() => parseQuantity('12 apples'));
});

test('resourceFieldRef values round up to the divisor', () => {
  assert.equal(formatForDivisor(parseQuantity('250m'), undefined), '1');
  assert.equal(formatForDivisor(parseQuantity('250m'), '1m'), '250');
  assert.equal(formatForDivisor(parseQuantity('1Gi'), '1Mi'), '1024');
  assert.equal(formatForDivisor(parseQuantity('300m'), '1m'), '300');
});
