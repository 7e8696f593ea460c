import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModelDeploymentSpec } from '../../../src/api/types.ts';
import { measurement, stableWorld } from '../../../test/support/rollout-world.ts';

describe('BlueGreen', () => {
  const spec = (blueGreen: NonNullable<ModelDeploymentSpec['rollout']>['blueGreen'] = { scaleDownDelaySeconds: 30 }): ModelDeploymentSpec => ({
    model: { version: '1', uri: 'file:///models/1.onnx' },
    replicas: 2,
    rollout: { strategy: 'BlueGreen', blueGreen, progressDeadlineSeconds: 60 },
  });

  test('runs the preview at full size behind the preview Service, switches on promote and scales the old one down after the delay', () => {
    const { w, v1 } = stableWorld(spec());
    assert.equal(w.last.routing.main, v1);
    const v2 = w.setVersion('2');
    let plan = w.converge();
    assert.deepEqual([w.replicas(v2), w.replicas(v1)], [2, 2]);
    assert.deepEqual(plan.routing, { main: v1, stable: v1, candidate: v2 });
    assert.equal(plan.state.phase === 'Paused' && plan.state.reason, 'AwaitingPromotion');
    assert.equal(w.status?.canaryRevision?.weight, 0);

    w.annotations['modelship.io/promote'] = 'step';
    plan = w.reconcile();
    assert.deepEqual(plan.routing, { main: v2, stable: v2, candidate: v2 });
    assert.equal(w.status?.retiringRevision?.hash, v1);
    assert.equal(w.replicas(v1), 2, 'the old revision keeps running for scaleDownDelaySeconds');
    assert.equal(plan.requeueAfterMs, 30_050);
    w.tick(31_000);
    w.reconcile();
    assert.equal(w.replicas(v1), 0);
    assert.equal(w.status?.retiringRevision, undefined);
  });

  test('a preview that was Available is not rolled back for pods an HPA adds later', () => {
    const { w } = stableWorld(spec());
    const v2 = w.setVersion('2');
    w.converge();
    w.tick(3_600_000);
    w.spec = { ...w.spec, replicas: 4 };
    w.stuck.add(v2);
    w.reconcile();
    w.tick(120_000);
    w.reconcile();
    assert.equal(w.candidate()?.hash, v2);
    assert.equal(w.replicas(v2), 4);
  });

  test('keeps a promote asked for before the preview is ready until it can act on it', () => {
    const { w } = stableWorld(spec());
    const v2 = w.setVersion('2');
    w.annotations['modelship.io/promote'] = 'full';
    const plan = w.reconcile();
    assert.deepEqual(plan.consumed, []);
    w.settle();
    w.reconcile();
    assert.equal(w.status?.stableRevision?.hash, v2);
  });

  test('promotes automatically after autoPromotionSeconds once analysis passed', () => {
    const s = spec({ autoPromotionSeconds: 20, scaleDownDelaySeconds: 0 });
    s.rollout!.analysis = { interval: '5s', maxErrorRate: 0.05 };
    const { w, v1 } = stableWorld(s);
    const v2 = w.setVersion('2');
    w.converge();
    assert.equal(w.last.analysis?.candidate, v2);
    w.tick(25_000);
    let plan = w.reconcile();
    assert.equal(plan.state.phase === 'Progressing' && plan.state.reason, 'WaitingForAnalysis');
    plan = w.reconcile({ hash: v2, measurement: measurement('Successful', w.now) });
    assert.equal(w.status?.stableRevision?.hash, v2);
    assert.equal(w.replicas(v1), 0, 'no delay configured');
  });

  test('rolls a failing preview back without the main Service ever selecting it', () => {
    const { w, v1 } = stableWorld(spec());
    const v2 = w.setVersion('2');
    w.converge();
    w.failing.set(v2, { reason: 'CrashLoopBackOff', message: 'runtime exited with code 2 twice' });
    const plan = w.reconcile();
    assert.equal(plan.routing.main, v1);
    assert.equal(w.replicas(v2), 0);
    assert.equal(w.status?.history?.at(-1)?.reason, 'CrashLoopBackOff');
  });

  test('undo within the scale-down delay switches back at once', () => {
    const { w, v1 } = stableWorld(spec());
    w.setVersion('2');
    w.converge();
    w.annotations['modelship.io/promote'] = 'step';
    w.reconcile();
    w.annotations['modelship.io/undo'] = '1';
    const plan = w.reconcile();
    assert.equal(plan.routing.main, v1);
    assert.equal(w.status?.stableRevision?.hash, v1);
    assert.equal(plan.state.phase, 'RolledBack');
    assert.equal(w.status?.history?.at(-1)?.reason, 'UndoRequested');
  });
});
