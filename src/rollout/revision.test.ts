import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModelDeployment } from '../api/types.ts';
import { desiredRevision, formatTemplate, parseNumber, parseTemplate, revisionOf, revisionTemplate } from '../builders/revision.ts';
import { knownNumbers, numberFor } from './revision.ts';

const md: Pick<ModelDeployment, 'metadata' | 'spec'> = {
  metadata: { name: 'fraud', namespace: 'ml' },
  spec: { model: { version: '3', uri: 's3://models/fraud/3.onnx', sha256: 'a'.repeat(64) }, runtime: { threads: 2 }, replicas: 4 },
};

describe('the template annotation', () => {
  test('round-trips, and rebuilds the same revision after the spec moved on', () => {
    const t = revisionTemplate(md, 'img');
    const parsed = parseTemplate(formatTemplate(t));
    assert.deepEqual(parsed, t);
    assert.equal(revisionOf(parsed!).hash, desiredRevision(md, 'img').hash);
  });

  test('is rejected when unreadable, as is a bad number', () => {
    assert.equal(parseTemplate('{'), undefined);
    assert.equal(parseTemplate('{"model":{}}'), undefined);
    assert.equal(parseTemplate(undefined), undefined);
    assert.equal(parseNumber('0'), undefined);
    assert.equal(parseNumber('12'), 12);
    assert.equal(parseNumber('1e3'), undefined);
  });
});

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
