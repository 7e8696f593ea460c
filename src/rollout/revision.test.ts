import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { knownNumbers, numberFor } from './revision.ts';

describe('revision numbers', () => {
  test('keep the number a revision already has and give a new one the next', () => {
    const known = knownNumbers(
      {
        stableRevision: { revision: 2, version: '2', hash: 'h2' },
        history: [{ revision: 3, version: '3', hash: 'h3', uri: 'u', outcome: 'RolledBack', time: '2026-01-01T00:00:00Z', reason: 'AnalysisFailed' }],
      },
      [{ hash: 'h1', number: 1 }, { hash: 'hx' }],
    );
    assert.equal(numberFor('h3', known), 3);
    assert.equal(numberFor('h1', known), 1);
    assert.equal(numberFor('new', known), 4);
    assert.equal(numberFor('first', new Map()), 1);
  });
});
