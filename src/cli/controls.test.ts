import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planControl, undoTarget } from './controls.ts';
import { CliError } from './errors.ts';
import { NOW, canaryMd, rolledBackMd, steadyMd } from '../../test/support/cli-fixtures.ts';

const now = new Date(NOW);
const annotations = (plan: ReturnType<typeof planControl>) => plan.patch?.metadata.annotations;

test('promote asks for the next step, and --full for all of them', () => {
  assert.deepEqual(annotations(planControl(canaryMd(), { kind: 'promote', full: false }, now)), { 'modelship.io/promote': 'step' });
  const full = planControl(canaryMd(), { kind: 'promote', full: true }, now);
  assert.deepEqual(annotations(full), { 'modelship.io/promote': 'full' });
  assert.match(full.message, /^modeldeployment\.modelship\.io\/fraud promote requested \(full/);
});

test('promote and abort refuse when no rollout is in progress, saying what serves', () => {
  assert.throws(() => planControl(steadyMd(), { kind: 'promote', full: false }, now), {
    name: 'CliError',
    message: 'fraud has no rollout in progress to promote (it serves revision 2, version 2)',
  });
  assert.throws(() => planControl(steadyMd(), { kind: 'abort' }, now), /no rollout in progress to abort/);
});

test('abort and retry write a fresh timestamp so that asking again is a new request', () => {
  assert.deepEqual(annotations(planControl(canaryMd(), { kind: 'abort' }, now)), { 'modelship.io/abort': now.toISOString() });
  assert.deepEqual(annotations(planControl(rolledBackMd(), { kind: 'retry' }, now)), { 'modelship.io/retry': now.toISOString() });
});

test('retry is allowed after an abort even when no condition says Degraded', () => {
  const md = steadyMd();
  md.spec.model = { version: '3', uri: 's3://models/fraud/3/model.onnx' };
  md.status!.history!.push({ revision: 3, version: '3', hash: 'c3', uri: 's3://models/fraud/3/model.onnx', outcome: 'Aborted', reason: 'Aborted', time: now.toISOString() });
  assert.deepEqual(annotations(planControl(md, { kind: 'retry' }, now)), { 'modelship.io/retry': now.toISOString() });
});

test('retry refuses when nothing failed', () => {
  assert.throws(() => planControl(steadyMd(), { kind: 'retry' }, now), /no failed or aborted rollout to retry/);
});

test('pause sets modelship.io/paused and resume removes it with a null in the merge patch', () => {
  const pause = planControl(canaryMd(), { kind: 'pause' }, now);
  assert.deepEqual(annotations(pause), { 'modelship.io/paused': 'true' });
  assert.match(pause.message, /paused at 50% for revision 3/);
  const paused = canaryMd();
  paused.metadata.annotations = { 'modelship.io/paused': 'true' };
  assert.deepEqual(annotations(planControl(paused, { kind: 'resume' }, now)), { 'modelship.io/paused': null });
});

test('pause and resume are idempotent: nothing to patch when already in that state', () => {
  const paused = canaryMd();
  paused.metadata.annotations = { 'modelship.io/paused': 'true' };
  assert.equal(planControl(paused, { kind: 'pause' }, now).patch, undefined);
  assert.equal(planControl(canaryMd(), { kind: 'resume' }, now).patch, undefined);
  assert.match(planControl(canaryMd(), { kind: 'resume' }, now).message, /is not paused/);
});

test('undo without a target goes back to the newest promoted revision that is not serving', () => {
  const plan = planControl(steadyMd(), { kind: 'undo' }, now);
  assert.deepEqual(annotations(plan), { 'modelship.io/undo': '1' });
  assert.match(plan.message, /rolling back to revision 1 \(version 1/);
});

test('undo --to-revision takes a revision number or a model version', () => {
  assert.equal(undoTarget(rolledBackMd(), '1').revision, 1);
  assert.equal(undoTarget(rolledBackMd(), '4').revision, 3); // no revision 4: version "4" is revision 3
  assert.equal(undoTarget(rolledBackMd(), '3').revision, 3);
});

test('undo refuses an unknown target and lists what history has', () => {
  assert.throws(() => undoTarget(steadyMd(), '9'), (err: unknown) => {
    assert.ok(err instanceof CliError);
    assert.equal(err.message, 'fraud has no revision or version "9" in its history; revisions in history: 1 (version 1, Promoted), 2 (version 2, Promoted)');
    return true;
  });
});

test('undo refuses the revision that already serves, and a history with nothing earlier', () => {
  assert.throws(() => undoTarget(steadyMd(), '2'), /already serves revision 2/);
  const md = steadyMd();
  md.status!.history = md.status!.history!.slice(1);
  assert.throws(() => undoTarget(md, undefined), /no earlier promoted revision to undo to/);
});
