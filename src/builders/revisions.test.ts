// Builders for rollouts: a Deployment per revision, and the Services that select all or one revision.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModelDeployment } from '../api/types.ts';
import { buildDeployment } from './deployment.ts';
import { NUMBER_ANNOTATION, TEMPLATE_ANNOTATION, desiredRevision, parseTemplate } from './revision.ts';
import { buildServices } from './service.ts';

const md: Pick<ModelDeployment, 'metadata' | 'spec'> = {
  metadata: { name: 'fraud', namespace: 'ml', uid: 'u1' },
  spec: { model: { version: '3', uri: 's3://models/fraud/3.onnx' }, replicas: 4, rollout: { strategy: 'Canary', steps: [{ setWeight: 10 }] } },
};

describe('the Deployment of a revision', () => {
  // The stable revision of a canary: an older model and runtime than the spec now asks for.
  const old = desiredRevision({ ...md, spec: { ...md.spec, model: { version: '2', uri: 's3://models/fraud/2.onnx' }, runtime: { threads: 1 } } }, 'img:1');
  const d = buildDeployment(md, { revision: old, number: 7, replicas: 3 });

  test('is named after the revision and selects only its pods', () => {
    assert.equal(d.metadata?.name, `fraud-${old.hash}`);
    assert.deepEqual(d.spec?.selector.matchLabels, { 'app.kubernetes.io/name': 'modelship-runtime', 'modelship.io/deployment': 'fraud', 'modelship.io/revision': old.hash });
    assert.equal(d.spec?.template.metadata?.labels?.['modelship.io/revision'], old.hash);
    assert.equal(d.spec?.replicas, 3);
  });

  test('runs the revision\'s own model and runtime, not the spec\'s', () => {
    const container = d.spec?.template.spec?.containers[0];
    assert.equal(container?.image, 'img:1');
    assert.ok(container?.args?.includes('--threads'));
    assert.equal(container?.args?.[container.args.indexOf('--model-version') + 1], '2');
    assert.ok(d.spec?.template.spec?.initContainers?.[0]?.args?.includes('s3://models/fraud/2.onnx'));
    assert.equal(d.metadata?.labels?.['modelship.io/version'], '2');
  });

  test('carries its template and number for the operator to read back', () => {
    assert.deepEqual(parseTemplate(d.metadata?.annotations?.[TEMPLATE_ANNOTATION]), old.template);
    assert.equal(d.metadata?.annotations?.[NUMBER_ANNOTATION], '7');
    assert.deepEqual(d.metadata?.ownerReferences?.map((o) => [o.kind, o.name, o.controller]), [['ModelDeployment', 'fraud', true]]);
  });
});

describe('buildServices', () => {
  const byName = (services: ReturnType<typeof buildServices>) => Object.fromEntries(services.map((s) => [s.name, s.desired?.spec?.selector]));
  const base = { 'app.kubernetes.io/name': 'modelship-runtime', 'modelship.io/deployment': 'fraud' };

  test('Canary: the main Service spans revisions; stable and canary target one each', () => {
    assert.deepEqual(byName(buildServices(md, { stable: 'a', candidate: 'b' }, 'Canary')), {
      fraud: base,
      'fraud-stable': { ...base, 'modelship.io/revision': 'a' },
      'fraud-canary': { ...base, 'modelship.io/revision': 'b' },
      'fraud-preview': undefined,
    });
  });

  test('BlueGreen: the main Service selects the active revision; the preview Service the candidate', () => {
    assert.deepEqual(byName(buildServices(md, { main: 'a', stable: 'a', candidate: 'b' }, 'BlueGreen')), {
      fraud: { ...base, 'modelship.io/revision': 'a' },
      'fraud-stable': { ...base, 'modelship.io/revision': 'a' },
      'fraud-canary': undefined,
      'fraud-preview': { ...base, 'modelship.io/revision': 'b' },
    });
  });

  test('RollingUpdate has the main Service only', () => {
    assert.deepEqual(byName(buildServices(md, { stable: 'a', candidate: 'a' }, 'RollingUpdate')), {
      fraud: base,
      'fraud-stable': undefined,
      'fraud-canary': undefined,
      'fraud-preview': undefined,
    });
  });
});
