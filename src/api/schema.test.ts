import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';
import { Value } from '@sinclair/typebox/value';
import { applyDefaults, servedModelName } from './defaults.ts';
import { formatDuration, isDuration, parseDuration } from './duration.ts';
import { ModelDeploymentSchema, ModelDeploymentSpecSchema, ModelDeploymentStatusSchema } from './schema.ts';
import { openApiSchema } from './crd.ts';
import { ROLLOUT_STRATEGIES, ANNOTATIONS, LABELS } from './constants.ts';
import type { RolloutStrategy } from './constants.ts';
import type { JSONSchemaProps } from './structural.ts';
import type { DefaultedModelDeploymentSpec, ModelDeployment, ModelDeploymentSpec, ModelDeploymentStatus, Rollout } from './types.ts';

const EXAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples');

// Compile-time checks: `npm run typecheck` fails when the types drift from the constants.
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const strategiesLineUp: Equal<NonNullable<Rollout['strategy']>, RolloutStrategy> = true;
const defaultedStrategy: Equal<DefaultedModelDeploymentSpec['rollout']['strategy'], RolloutStrategy> = true;
const defaultedReplicas: Equal<DefaultedModelDeploymentSpec['replicas'], number> = true;

const minimal: ModelDeploymentSpec = { model: { version: '1', uri: 's3://models/iris/1/model.onnx' } };

test('the TypeScript types line up with the constants', () => {
  assert.ok(strategiesLineUp && defaultedStrategy && defaultedReplicas);
  const schemaStrategies = ((openApiSchema().properties as Record<string, JSONSchemaProps>).spec as JSONSchemaProps).properties as Record<string, JSONSchemaProps>;
  const rollout = schemaStrategies.rollout?.properties as Record<string, JSONSchemaProps>;
  assert.deepEqual(rollout.strategy?.enum, [...ROLLOUT_STRATEGIES]);
});

test('annotation and label keys follow ADR 0001', () => {
  assert.deepEqual(Object.values(ANNOTATIONS).sort(), [
    'modelship.io/abort',
    'modelship.io/paused',
    'modelship.io/promote',
    'modelship.io/retry',
    'modelship.io/undo',
  ]);
  assert.equal(LABELS.revision, 'modelship.io/revision');
  assert.equal(LABELS.version, 'modelship.io/version');
  assert.equal(LABELS.deployment, 'modelship.io/deployment');
});

test('applyDefaults fills in what the API server defaults for a minimal spec', () => {
  const spec = applyDefaults(minimal);
  assert.equal(spec.replicas, 1);
  assert.equal(spec.revisionHistoryLimit, 5);
  assert.deepEqual(spec.rollout, { strategy: 'RollingUpdate', progressDeadlineSeconds: 600 });
  assert.equal(spec.autoscaling, undefined);
  assert.equal(spec.runtime, undefined);
});

test('applyDefaults fills nested defaults only inside objects the user wrote', () => {
  const spec = applyDefaults({
    ...minimal,
    autoscaling: { maxReplicas: 4 },
    rollout: { strategy: 'Canary', steps: [{ setWeight: 50 }], analysis: { maxErrorRate: 0.01 } },
  });
  assert.deepEqual(spec.autoscaling, { minReplicas: 1, maxReplicas: 4 });
  assert.deepEqual(spec.rollout.analysis, { interval: '30s', maxErrorRate: 0.01, minRequests: 20, failureLimit: 0 });
  assert.equal(spec.rollout.blueGreen, undefined);
  assert.equal(applyDefaults({ ...minimal, rollout: { strategy: 'BlueGreen', blueGreen: {} } }).rollout.blueGreen?.scaleDownDelaySeconds, 30);
});

test('applyDefaults keeps what the user set and does not modify its argument', () => {
  const input: ModelDeploymentSpec = { ...minimal, replicas: 0, rollout: { strategy: 'BlueGreen', progressDeadlineSeconds: 60 } };
  const before = structuredClone(input);
  const spec = applyDefaults(input);
  assert.equal(spec.replicas, 0);
  assert.equal(spec.rollout.progressDeadlineSeconds, 60);
  assert.equal(spec.rollout.strategy, 'BlueGreen');
  assert.deepEqual(input, before);
});

test('the Defaulted types require exactly the fields that carry a schema default', () => {
  const paths: string[] = [];
  const visit = (node: JSONSchemaProps, at: string): void => {
    for (const [name, child] of Object.entries((node.properties as Record<string, JSONSchemaProps>) ?? {})) {
      if (child.default !== undefined) paths.push(`${at}${name}`);
      visit(child, `${at}${name}.`);
    }
  };
  visit((openApiSchema().properties as Record<string, JSONSchemaProps>).spec as JSONSchemaProps, '');
  // Keep in step with types.ts (DefaultedModelDeploymentSpec and friends).
  assert.deepEqual(paths.sort(), [
    'autoscaling.minReplicas',
    'replicas',
    'revisionHistoryLimit',
    'rollout',
    'rollout.analysis.failureLimit',
    'rollout.analysis.interval',
    'rollout.analysis.minRequests',
    'rollout.analysis.prediction.minSamples',
    'rollout.analysis.prediction.statistic',
    'rollout.blueGreen.scaleDownDelaySeconds',
    'rollout.progressDeadlineSeconds',
    'rollout.strategy',
  ]);
});

test('servedModelName falls back to the ModelDeployment name', () => {
  assert.equal(servedModelName({ metadata: { name: 'iris' }, spec: minimal }), 'iris');
  assert.equal(servedModelName({ metadata: { name: 'iris' }, spec: { model: { ...minimal.model, name: 'flower' } } }), 'flower');
});

test('every example has the shape of a ModelDeployment', async () => {
  const files = (await readdir(EXAMPLES)).filter((f) => f.startsWith('modeldeployment-') && f.endsWith('.yaml'));
  assert.ok(files.length >= 4, `only ${files.length} examples`);
  for (const file of files) {
    const md = load(await readFile(path.join(EXAMPLES, file), 'utf8')) as ModelDeployment;
    const errors = [...Value.Errors(ModelDeploymentSchema, md)].map((e) => `${e.path}: ${e.message}`);
    assert.deepEqual(errors, [], file);
    assert.equal(md.apiVersion, 'modelship.io/v1alpha1', file);
    assert.equal(md.kind, 'ModelDeployment', file);
  }
});

test('a status written by the operator has the schema\'s shape', () => {
  const status: ModelDeploymentStatus = {
    observedGeneration: 3,
    conditions: [{ type: 'Ready', status: 'True', observedGeneration: 3, lastTransitionTime: '2026-01-01T00:00:00Z', reason: 'Ready', message: '' }],
    stableRevision: { revision: 2, version: '2', hash: 'abc123', replicas: 9, readyReplicas: 9 },
    canaryRevision: { revision: 3, version: '3', hash: 'def456', weight: 10, step: 0, startTime: '2026-01-01T00:00:00Z' },
    analysis: { hash: 'def456', phase: 'Running', successful: 1, failed: 0, inconclusive: 0, measurements: [{ time: '2026-01-01T00:00:30Z', phase: 'Successful', requests: 120, errorRate: 0 }] },
    replicas: 10,
    readyReplicas: 10,
    selector: 'app.kubernetes.io/name=modelship-runtime,modelship.io/deployment=fraud',
    url: 'http://fraud.ml.svc.cluster.local',
    history: [{ revision: 1, version: '1', hash: 'aaa111', uri: 's3://m/f/1/model.onnx', outcome: 'Promoted', time: '2026-01-01T00:00:00Z', reason: 'RolloutCompleted' }],
  };
  assert.deepEqual([...Value.Errors(ModelDeploymentStatusSchema, status)].map((e) => `${e.path}: ${e.message}`), []);
  assert.equal(Value.Check(ModelDeploymentSpecSchema, minimal), true);
});

test('durations parse like the CRD accepts them', () => {
  assert.equal(parseDuration('30s'), 30_000);
  assert.equal(parseDuration('1h30m'), 5_400_000);
  assert.equal(parseDuration('500ms'), 500);
  for (const bad of ['', '30', '1.5m', '-1s', '5 m', '1d']) {
    assert.equal(isDuration(bad), false, bad);
    assert.throws(() => parseDuration(bad), /invalid duration/);
  }
  assert.equal(formatDuration(90_000), '1m30s');
  assert.equal(parseDuration(formatDuration(3_723_004)), 3_723_004);
});
