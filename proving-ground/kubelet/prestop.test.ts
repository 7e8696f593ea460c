import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sleepSecondsOfCommand } from './prestop.ts';

test('sleep commands are recognised in their common spellings', () => {
  assert.equal(sleepSecondsOfCommand(['sleep', '5']), 5);
  assert.equal(sleepSecondsOfCommand(['/bin/sleep', '2']), 2);
  assert.equal(sleepSecondsOfCommand(['sh', '-c', 'sleep 3']), 3);
  assert.equal(sleepSecondsOfCommand(['/bin/bash', '-c', ' sleep 1.5 ']), 1.5);
});

test('other commands are not', () => {
  assert.equal(sleepSecondsOfCommand(['nginx', '-s', 'quit']), undefined);
  assert.equal(sleepSecondsOfCommand(['sh', '-c', 'sleep 3 && echo']), undefined);
  assert.equal(sleepSecondsOfCommand(undefined), undefined);
});
