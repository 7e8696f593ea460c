import { test } from 'node:test';
import assert from 'node:assert/strict';
import { age, describeStep, renderHistory, renderStatus, summarize, table } from './format.ts';
import { NOW, canaryMd, rolledBackMd, steadyMd } from '../../test/support/cli-fixtures.ts';

test('age reads like kubectl: seconds, then minutes, hours and days', () => {
  const at = (s: number) => new Date(NOW - s * 1000).toISOString();
  assert.equal(age(at(5), NOW), '5s');
  assert.equal(age(at(119), NOW), '119s');
  assert.equal(age(at(600), NOW), '10m');
  assert.equal(age(at(3 * 3600), NOW), '3h');
  assert.equal(age(at(5 * 86400), NOW), '5d');
  assert.equal(age(undefined, NOW), '-');
  assert.equal(age('not a time', NOW), '-');
});

test('table pads every column but the last', () => {
  assert.deepEqual(table(['A', 'LONGER'], [['xxxx', 'y'], ['z', 'w']]), ['A      LONGER', 'xxxx   y', 'z      w']);
});

test('describeStep names weights, timed pauses and pauses until promoted', () => {
  assert.equal(describeStep({ setWeight: 10 }), 'setWeight 10%');
  assert.equal(describeStep({ pause: { duration: '60s' } }), 'pause 60s');
  assert.equal(describeStep({ pause: {} }), 'pause until promoted');
});

test('summarize says Ready for a steady ModelDeployment', () => {
  assert.deepEqual(summarize(steadyMd()), { phase: 'Ready', message: 'Version 2 serves on 2 of 2 replicas' });
});

test('summarize says Pending until the operator observes the latest generation', () => {
  const md = steadyMd();
  md.metadata.generation = 3;
  assert.equal(summarize(md).phase, 'Pending');
  assert.match(summarize(md).message, /generation 3/);
});

test('summarize says Progressing during a canary and Paused when the paused annotation is set', () => {
  const md = canaryMd();
  assert.equal(summarize(md).phase, 'Progressing');
  md.metadata.annotations = { 'modelship.io/paused': 'true' };
  assert.equal(summarize(md).phase, 'Paused');
});

test('summarize says Degraded after an automatic rollback and Stalled when Stalled is True', () => {
  assert.equal(summarize(rolledBackMd()).phase, 'Degraded');
  const md = steadyMd();
  md.status!.conditions!.push({ type: 'Stalled', status: 'True', reason: 'ChecksumMismatch', message: 'bad sha', lastTransitionTime: new Date(NOW).toISOString() });
  assert.deepEqual(summarize(md), { phase: 'Stalled', message: 'bad sha' });
});

test('status of a canary shows both revisions with weights, the current step, analysis and events', () => {
  const text = renderStatus(
    canaryMd(),
    [
      { type: 'Normal', reason: 'RolloutStarted', message: 'Rolling out version 3 as a canary', lastTimestamp: new Date(NOW - 300_000).toISOString() },
      { type: 'Normal', reason: 'CanaryWeight', message: 'Canary at 50%', lastTimestamp: new Date(NOW - 40_000).toISOString(), count: 2 },
    ],
    NOW,
  );
  assert.match(text, /^Name:\s+fraud$/m);
  assert.match(text, /^Strategy:\s+Canary$/m);
  assert.match(text, /^Status:\s+Progressing: Canary version 3 at 50% \(step 3 of 4\)$/m);
  assert.match(text, /^\s+stable\s+2\s+2\s+7f9c2d1b55\s+50%\s+2\/2$/m);
  assert.match(text, /^\s+canary\s+3\s+3\s+a1b2c3d4e5\s+50%\s+2\/2$/m);
  assert.match(text, /^Steps: \(step 3 of 4\)$/m);
  assert.match(text, /^\s+>\s+2\s+setWeight 50%\s+current, for 40s$/m);
  assert.match(text, /^\s+3\s+pause until promoted$/m);
  assert.match(text, /^Analysis: Running \(3 successful, 0 failed, 1 inconclusive; failure limit 1\)$/m);
  assert.match(text, /^\s+30s\s+Successful\s+120\s+0\.00%\s+12\.5ms\s+11\.2ms\s+-$/m);
  assert.match(text, /^\s+Reconciling\s+True\s+CanaryStep\s+5m/m);
  assert.match(text, /^\s+40s \(x2\)\s+Normal\s+CanaryWeight\s+Canary at 50%$/m);
  // Events come oldest first, like kubectl describe.
  assert.ok(text.indexOf('RolloutStarted') < text.indexOf('CanaryWeight'));
});

test('status calls the BlueGreen candidate "preview" and shows pending one-shot requests', () => {
  const md = canaryMd();
  md.spec.rollout = { strategy: 'BlueGreen', blueGreen: { scaleDownDelaySeconds: 30 } };
  md.status!.canaryRevision!.weight = 0;
  md.metadata.annotations = { 'modelship.io/promote': 'full' };
  const text = renderStatus(md, [], NOW);
  assert.match(text, /^\s+preview\s+3\s+3\s+a1b2c3d4e5\s+0%/m);
  assert.match(text, /^\s+stable\s+2\s+2\s+7f9c2d1b55\s+100%/m);
  assert.doesNotMatch(text, /^Steps:/m);
  assert.match(text, /^Pending requests: modelship\.io\/promote=full/m);
});

test('status takes the stable revision\'s ready count from the ModelDeployment when it serves alone', () => {
  assert.match(renderStatus(steadyMd(), [], NOW), /^\s+stable\s+2\s+2\s+7f9c2d1b55\s+100%\s+2\/2$/m);
  const md = steadyMd();
  delete md.status!.stableRevision!.replicas;
  delete md.status!.stableRevision!.readyReplicas;
  md.status!.readyReplicas = 1;
  assert.match(renderStatus(md, [], NOW), /^\s+stable\s+2\s+2\s+7f9c2d1b55\s+100%\s+1\/2$/m);
});

test('status of a ModelDeployment the operator has not seen yet still renders', () => {
  const md = steadyMd();
  delete md.status;
  const text = renderStatus(md, [], NOW);
  assert.match(text, /^Status:\s+Pending: the operator has not reported on it yet$/m);
  assert.doesNotMatch(text, /Revisions:/);
});

test('history lists finished rollouts oldest first, then what serves and what rolls out', () => {
  const lines = renderHistory(canaryMd(), NOW).trimEnd().split('\n');
  assert.match(lines[0]!, /^REVISION\s+VERSION\s+OUTCOME\s+REASON\s+AGE\s+URI$/);
  assert.match(lines[1]!, /^1\s+1\s+Promoted\s+RolloutCompleted\s+3d\s+s3:\/\/models\/fraud\/1\/model\.onnx$/);
  assert.match(lines[3]!, /^2\s+2\s+Serving\s+Stable\s+-/);
  assert.match(lines[4]!, /^3\s+3\s+InProgress\s+weight 50%\s+5m/);
});

test('history says so when there is nothing yet', () => {
  const md = steadyMd();
  delete md.status;
  assert.equal(renderHistory(md, NOW), 'fraud has no revisions yet\n');
});
