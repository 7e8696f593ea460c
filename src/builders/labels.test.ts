import { test } from 'node:test';
import assert from 'node:assert/strict';
import { selectorString } from './labels.ts';

test('the selector string is sorted and comma-separated, as /scale reports it', () => {
  assert.equal(selectorString({ b: '2', a: '1' }), 'a=1,b=2');
});
