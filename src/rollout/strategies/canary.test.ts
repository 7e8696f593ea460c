import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { measurement, canarySpec, stableWorld } from '../../../test/support/rollout-world.ts';

describe('Canary', () => {
  test('walks the steps: weight by replicas, timed pause, analysis, an indefinite pause, then promotion', () => {
    const { w, v1 } = stableWorld(canarySpec());
    const v2 = w.setVersion('2');

    // Step 1, setWeight 25: one canary pod; stable stays at 4 until it is Ready.
    let plan = w.reconcile();
    assert.equal(w.replicas(v2), 1);
    assert.equal(w.replicas(v1), 4);
    assert.equal(w.status?.canaryRevision?.step, 0);
    assert.equal(plan.analysis, undefined, 'nothing to measure before a canary pod is Ready');
    w.settle();
    plan = w.reconcile();
    // The pod is Ready: step 1 completes, stable shrinks to 3, and step 2 (pause 30s) begins.
    assert.equal(w.replicas(v1), 3);
    assert.equal(w.status?.canaryRevision?.step, 1);
    assert.equal(w.status?.canaryRevision?.weight, 20, '1 of 5 Ready pods until the fourth stable pod stops');
    w.settle();
    plan = w.reconcile();
    assert.equal(w.status?.canaryRevision?.weight, 25);
    assert.equal(plan.requeueAfterMs, 30_050);
    assert.equal(plan.analysis?.candidate, v2);
    assert.equal(plan.analysis?.stable, v1);
    assert.deepEqual(w.last.routing, { stable: v1, candidate: v2 });

    w.tick(10_000);
    w.reconcile({ hash: v2, measurement: measurement('Successful', w.now) });
    assert.equal(w.status?.analysis?.successful, 1);
    w.tick(20_000);
    w.reconcile();
    // Step 3, setWeight 50: two canary pods, stable keeps 3 until they are Ready.
    assert.equal(w.status?.canaryRevision?.step, 2);
    assert.equal(w.replicas(v2), 2);
    assert.equal(w.replicas(v1), 3);
    w.settle();
    w.reconcile();
    w.settle();
    plan = w.reconcile();
    assert.equal(w.replicas(v1), 2);
    assert.equal(w.status?.canaryRevision?.step, 3);
    assert.equal(plan.state.phase, 'Paused');
    assert.equal(plan.state.phase === 'Paused' && plan.state.reason, 'CanaryPaused');

    // The last step waits for a promotion, and then for a successful measurement after the step started.
    w.tick(60_000);
    w.annotations['modelship.io/promote'] = 'step';
    plan = w.reconcile();
    assert.deepEqual(plan.consumed, ['modelship.io/promote']);
    assert.equal(w.status?.canaryRevision?.step, 4, 'a person promoted the last step: no analysis gate');
    assert.equal(w.replicas(v2), 4);
    w.settle();
    w.converge();
    assert.equal(w.status?.stableRevision?.hash, v2);
    assert.equal(w.replicas(v1), 0);
    assert.equal(w.status?.analysis?.phase, 'Successful');
    assert.equal(w.condition('Ready'), 'True');
    assert.deepEqual(w.status?.history?.map((h) => [h.version, h.outcome]), [['1', 'Promoted'], ['2', 'Promoted']]);
    assert.ok(w.reasons().includes('CanaryStepCompleted'));
  });

  test('gets weight only for Ready pods: stable stays full while canary pods never become Ready', () => {
    const { w, v1 } = stableWorld(canarySpec());
    const v2 = w.setVersion('2');
    w.stuck.add(v2);
    for (let i = 0; i < 5; i++) {
      w.reconcile();
      w.settle();
      w.tick(5_000);
    }
    assert.equal(w.replicas(v1), 4);
    assert.equal(w.status?.canaryRevision?.weight, 0);
    assert.equal(w.status?.canaryRevision?.step, 0);
  });

  test('rolls back a canary whose pods do not get Ready within progressDeadlineSeconds', () => {
    const { w, v1 } = stableWorld(canarySpec());
    const v2 = w.setVersion('2');
    w.stuck.add(v2);
    const plan = w.reconcile();
    assert.equal(plan.requeueAfterMs, 60_050, 'wakes up at the deadline');
    w.tick(61_000);
    w.reconcile();
    assert.equal(w.replicas(v2), 0);
    assert.equal(w.replicas(v1), 4);
    assert.equal(w.status?.history?.at(-1)?.reason, 'ProgressDeadlineExceeded');
    assert.equal(w.condition('Degraded'), 'True');
  });

  test('rolls back at once when the canary\'s model fails its checksum, before any traffic', () => {
    const { w, v1 } = stableWorld(canarySpec());
    const v2 = w.setVersion('2');
    w.reconcile();
    w.failing.set(v2, { reason: 'ChecksumMismatch', message: 'pod m-x: init container fetch-model exited with code 1: checksum mismatch' });
    const plan = w.reconcile();
    assert.equal(w.replicas(v2), 0);
    assert.equal(w.replicas(v1), 4);
    assert.equal(plan.state.phase, 'RolledBack');
    assert.deepEqual(w.status?.history?.at(-1) && [w.status.history.at(-1)!.version, w.status.history.at(-1)!.outcome, w.status.history.at(-1)!.reason], ['2', 'RolledBack', 'ChecksumMismatch']);
    assert.equal(w.events.at(-1)?.type, 'Warning');
    assert.equal(w.condition('Stalled'), 'True');
    assert.equal(w.condition('Ready'), 'False');
  });

  test('rolls back on failed analysis, then stays rolled back until retry, which starts over', () => {
    const { w, v1 } = stableWorld(canarySpec());
    const v2 = w.setVersion('2');
    w.converge();
    assert.equal(w.last.analysis?.candidate, v2);
    w.tick(10_000);
    w.reconcile({ hash: v2, measurement: measurement('Failed', w.now, 'error rate 20% above maxErrorRate 1%') });
    assert.equal(w.replicas(v2), 0);
    assert.equal(w.replicas(v1), 4);
    assert.equal(w.status?.analysis?.phase, 'Failed');
    assert.equal(w.status?.canaryRevision, undefined);
    const entry = w.status?.history?.at(-1);
    assert.deepEqual([entry?.outcome, entry?.reason, entry?.message], ['RolledBack', 'AnalysisFailed', 'error rate 20% above maxErrorRate 1%']);
    assert.deepEqual(w.reasons().slice(-2), ['AnalysisMeasurementFailed', 'RolledBack']);

    // Held: many passes later (and after a restart, which is the same thing here) nothing restarts it.
    w.tick(600_000);
    w.settle();
    const held = w.converge();
    assert.equal(held.state.phase, 'RolledBack');
    assert.equal(w.status?.canaryRevision, undefined);
    assert.equal(w.replicas(v2), 0);

    w.annotations['modelship.io/retry'] = '2026-04-01T01:00:00Z';
    const retried = w.reconcile();
    assert.deepEqual(retried.consumed, ['modelship.io/retry']);
    assert.equal(w.candidate()?.hash, v2);
    assert.equal(w.candidate()?.revision, 2, 'a retry keeps the revision number');
    assert.equal(w.status?.analysis?.phase, 'Running');
    assert.equal(w.status?.analysis?.failed, 0);
    assert.equal(w.condition('Degraded'), 'False');
    w.settle();
    w.reconcile();
    assert.equal(w.candidate()?.hash, v2, 'the retried rollout is not mistaken for a held one');
  });

  test('tolerates failureLimit failed measurements', () => {
    const spec = canarySpec();
    spec.rollout!.analysis!.failureLimit = 1;
    const { w } = stableWorld(spec);
    const v2 = w.setVersion('2');
    w.converge();
    w.reconcile({ hash: v2, measurement: measurement('Failed', w.now) });
    assert.equal(w.status?.canaryRevision?.hash, v2);
    w.reconcile({ hash: v2, measurement: measurement('Failed', w.now) });
    assert.equal(w.status?.canaryRevision, undefined);
  });

  test('waits at the last step for a successful measurement taken after the step began', () => {
    const spec = canarySpec({ rollout: { strategy: 'Canary', steps: [{ setWeight: 50 }, { pause: { duration: '20s' } }], analysis: { interval: '10s', maxErrorRate: 0.01 } } });
    const { w } = stableWorld(spec);
    const v2 = w.setVersion('2');
    w.converge();
    w.tick(10_000);
    w.reconcile({ hash: v2, measurement: measurement('Inconclusive', w.now) });
    w.tick(10_000);
    let plan = w.reconcile();
    assert.equal(plan.state.phase === 'Progressing' && plan.state.reason, 'WaitingForAnalysis');
    w.tick(10_000);
    plan = w.reconcile({ hash: v2, measurement: measurement('Successful', w.now) });
    assert.equal(w.status?.canaryRevision?.step, 2);
    w.converge();
    assert.equal(w.status?.stableRevision?.hash, v2);
  });

  test('keeps the weights when the HPA changes the total during a canary', () => {
    const { w, v1 } = stableWorld(canarySpec());
    const v2 = w.setVersion('2');
    w.converge();
    assert.deepEqual([w.replicas(v2), w.replicas(v1)], [1, 3]);
    w.spec = { ...w.spec, replicas: 8 };
    w.converge();
    assert.deepEqual([w.replicas(v2), w.replicas(v1)], [2, 6]);
    assert.equal(w.status?.canaryRevision?.weight, 25);
    w.spec = { ...w.spec, replicas: 2 };
    w.converge();
    assert.deepEqual([w.replicas(v2), w.replicas(v1)], [1, 2]);
  });

  test('an HPA scaling up long into a pause does not count as a candidate failing to start', () => {
    const { w } = stableWorld(canarySpec());
    const v2 = w.setVersion('2');
    w.converge();
    w.tick(30_000);
    w.converge();
    assert.equal(w.status?.canaryRevision?.step, 3, 'at the untimed pause');
    w.tick(3_600_000);
    w.spec = { ...w.spec, replicas: 8 };
    w.stuck.add(v2); // the new canary pods take their time
    w.reconcile();
    w.tick(120_000);
    w.reconcile();
    assert.equal(w.candidate()?.hash, v2, 'still rolling out');
    assert.equal(w.replicas(v2), 4);
  });

  test('promote=full skips the remaining steps and analysis', () => {
    const { w } = stableWorld(canarySpec());
    const v2 = w.setVersion('2');
    w.converge();
    w.annotations['modelship.io/promote'] = 'full';
    w.reconcile();
    assert.equal(w.status?.canaryRevision?.step, 4);
    assert.equal(w.last.analysis, undefined);
    w.converge();
    assert.equal(w.status?.stableRevision?.hash, v2);
    assert.ok(w.reasons().includes('PromotedFull'));
  });

  test('modelship.io/paused holds the step, keeps analysing, and resumes where it was', () => {
    const { w } = stableWorld(canarySpec());
    const v2 = w.setVersion('2');
    w.annotations['modelship.io/paused'] = 'true';
    w.converge();
    assert.equal(w.last.state.phase, 'Paused');
    assert.equal(w.status?.canaryRevision?.step, 0, 'the setWeight step is applied but not left');
    assert.equal(w.replicas(v2), 1);
    assert.equal(w.last.analysis?.candidate, v2);
    w.tick(120_000);
    w.converge();
    assert.equal(w.status?.stableRevision?.version, '1', 'no deadline while paused');
    assert.ok(w.status?.canaryRevision);
    delete w.annotations['modelship.io/paused'];
    w.converge();
    assert.equal(w.status?.canaryRevision?.step, 1);
  });

  test('abort sends all traffic back to stable and records Aborted', () => {
    const { w, v1 } = stableWorld(canarySpec());
    const v2 = w.setVersion('2');
    w.converge();
    w.annotations['modelship.io/abort'] = 'now';
    const plan = w.reconcile();
    assert.deepEqual([w.replicas(v2), w.replicas(v1)], [0, 4]);
    assert.equal(w.status?.history?.at(-1)?.outcome, 'Aborted');
    assert.equal(plan.state.phase, 'RolledBack');
    assert.equal(w.converge().state.phase, 'RolledBack');
  });

  test('a spec change mid-rollout supersedes the canary; back to the stable version ends it at once', () => {
    const { w, v1 } = stableWorld(canarySpec());
    const v2 = w.setVersion('2');
    w.converge();
    const v3 = w.setVersion('3');
    w.reconcile();
    assert.equal(w.status?.history?.at(-1)?.reason, 'Superseded');
    assert.equal(w.status?.canaryRevision?.hash, v3);
    assert.equal(w.status?.canaryRevision?.step, 0);
    assert.equal(w.replicas(v2), 0);
    w.setVersion('1');
    const plan = w.reconcile();
    assert.equal(plan.state.phase, 'Complete');
    assert.equal(w.status?.canaryRevision, undefined);
    assert.deepEqual([w.replicas(v3), w.replicas(v1)], [0, 4]);
  });

  test('a version that was rolled back is tried again after the spec moved away and back', () => {
    const { w } = stableWorld(canarySpec());
    const v2 = w.setVersion('2');
    w.failing.set(v2, { reason: 'FetchFailed', message: 'gone' });
    w.converge();
    assert.equal(w.last.state.phase, 'RolledBack');
    w.setVersion('1');
    w.converge();
    assert.equal(w.last.state.phase, 'Complete');
    w.failing.clear();
    w.setVersion('2');
    w.reconcile();
    assert.equal(w.status?.canaryRevision?.hash, v2);
  });

  test('resumes from status alone: the same input gives the same decision, and no step is taken twice', () => {
    const { w } = stableWorld(canarySpec());
    w.setVersion('2');
    w.converge();
    const status = JSON.stringify(w.status);
    const again = w.reconcile();
    assert.equal(JSON.stringify(w.status), status);
    assert.deepEqual(again.events, []);
  });
});
