import assert from 'node:assert/strict';
import { test } from 'node:test';
import { quantity } from './documents.ts';

test('values are quantities: whole numbers plain, fractions in milli-units rounded up', () => {
  assert.equal(quantity(0), '0');
  assert.equal(quantity(7), '7');
  assert.equal(quantity(1.5), '1500m');
  assert.equal(quantity(0.0001), '1m');
});
