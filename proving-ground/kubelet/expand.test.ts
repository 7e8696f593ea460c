import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expandVariables } from './expand.ts';

const vars: Record<string, string> = { POD_IP: '127.0.1.2', PORT: '8080' };
const lookup = (name: string): string | undefined => vars[name];

test('$(VAR) expands to a defined variable', () => {
  assert.equal(expandVariables('--host=$(POD_IP) --port=$(PORT)', lookup), '--host=127.0.1.2 --port=8080');
});

test('an undefined $(VAR) stays as written', () => {
  assert.equal(expandVariables('$(NOPE)/x', lookup), '$(NOPE)/x');
});

test('$$ escapes a reference', () => {
  assert.equal(expandVariables('$$(POD_IP) costs $$5', lookup), '$(POD_IP) costs $5');
});

test('a lone or unclosed $ is kept', () => {
  assert.equal(expandVariables('a$b $(POD_IP', lookup), 'a$b $(POD_IP');
  assert.equal(expandVariables('end$', lookup), 'end$');
});
