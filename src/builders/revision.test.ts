import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModelDeployment } from '../api/types.ts';
import { sampleModelDeployment } from '../../test/support/sample.ts';
import { desiredRevision, formatTemplate, parseNumber, parseTemplate, revisionOf, revisionTemplate } from './revision.ts';

const IMAGE = 'ghcr.io/modelship/runtime:0.1.0';

describe('revision', () => {
  test('the same spec always hashes to the same revision', () => {
    assert.equal(desiredRevision(sampleModelDeployment(), IMAGE).hash, desiredRevision(sampleModelDeployment(), IMAGE).hash);
  });

  test('version, uri, sha256, runtime settings and the default image each make a new revision', () => {
    const base = desiredRevision(sampleModelDeployment(), IMAGE).hash;
    const variants = [
      sampleModelDeployment('fraud', 'ml', { model: { version: '4', uri: 's3://models/fraud/3/model.onnx' } }),
      sampleModelDeployment('fraud', 'ml', { model: { version: '3', uri: 's3://models/fraud/4/model.onnx' } }),
      sampleModelDeployment('fraud', 'ml', { model: { version: '3', uri: 's3://models/fraud/3/model.onnx', sha256: 'a'.repeat(64) } }),
      sampleModelDeployment('fraud', 'ml', { runtime: { threads: 2 } }),
    ];
    const hashes = variants.map((md) => desiredRevision(md, IMAGE).hash);
    hashes.push(desiredRevision(sampleModelDeployment(), 'other:1').hash);
    assert.equal(new Set([base, ...hashes]).size, 6);
  });

  test('replicas and autoscaling do not make a new revision: scaling is not a rollout', () => {
    const base = desiredRevision(sampleModelDeployment(), IMAGE).hash;
    const scaled = sampleModelDeployment('fraud', 'ml', { replicas: 9, autoscaling: { minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: 70 } });
    assert.equal(desiredRevision(scaled, IMAGE).hash, base);
  });

  test('key order in the spec does not change the hash', () => {
    const a = sampleModelDeployment('fraud', 'ml', { runtime: { threads: 2, batching: { maxBatchSize: 8, maxQueueDelayMs: 2 } } });
    const b = sampleModelDeployment('fraud', 'ml', { runtime: { batching: { maxQueueDelayMs: 2, maxBatchSize: 8 }, threads: 2 } });
    assert.equal(desiredRevision(a, IMAGE).hash, desiredRevision(b, IMAGE).hash);
  });
});

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
