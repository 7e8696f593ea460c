import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyDefaults } from '../api/defaults.ts';
import type { AnalysisMeasurement, ModelDeploymentSpec, ModelDeploymentStatus } from '../api/types.ts';
import { computeConditions, findCondition } from '../status/conditions.ts';
import type { ObservedRevision, RevisionFailure } from './observe.ts';
import type { Revision, RevisionTemplate } from '../builders/revision.ts';
import { desiredRevision } from '../builders/revision.ts';
import type { RolloutEvent, RolloutPlan } from './plan.ts';
import { planRollout, weightAt } from './plan.ts';

const T0 = Date.parse('2026-04-01T00:00:00Z');

interface SimDeployment {
  template: RevisionTemplate;
  number: number;
  replicas: number;
  ready: number;
}

/**
 * A tiny cluster for the engine: Deployments whose pods become Ready when the test says so, a clock the
 * test moves, and the status and annotations the engine writes back, exactly as the reconcile does. Every
 * pass starts from this state alone, like an operator that was just restarted.
 */
class World {
  now = T0;
  spec: ModelDeploymentSpec;
  annotations: Record<string, string> = {};
  status: ModelDeploymentStatus | undefined;
  readonly deployments = new Map<string, SimDeployment>();
  readonly events: RolloutEvent[] = [];
  readonly failing = new Map<string, RevisionFailure>();
  readonly stuck = new Set<string>();
  last!: RolloutPlan;

  constructor(spec: ModelDeploymentSpec) {
    this.spec = spec;
  }

  desired(): Revision {
    return desiredRevision({ metadata: { name: 'm' }, spec: this.spec }, 'img');
  }

  setVersion(version: string, runtime?: ModelDeploymentSpec['runtime']): string {
    this.spec = { ...this.spec, model: { ...this.spec.model, version, uri: `file:///models/${version}.onnx` }, ...(runtime ? { runtime } : {}) };
    return this.desired().hash;
  }

  observed(): ObservedRevision[] {
    return [...this.deployments].map(([hash, d]) => ({
      hash,
      name: `m-${hash}`,
      number: d.number,
      template: d.template,
      version: d.template.model.version,
      replicas: d.replicas,
      currentReplicas: d.replicas,
      readyReplicas: d.ready,
      ...(this.failing.has(hash) ? { failure: this.failing.get(hash)! } : {}),
    }));
  }

  reconcile(measurement?: { hash: string; measurement: AnalysisMeasurement }): RolloutPlan {
    const spec = applyDefaults(this.spec);
    const plan = planRollout({ now: new Date(this.now), spec, status: this.status, annotations: { ...this.annotations }, desired: this.desired(), observed: this.observed(), ...(measurement ? { measurement } : {}) });
    for (const r of plan.revisions) {
      const existing = this.deployments.get(r.hash);
      this.deployments.set(r.hash, { template: r.template, number: r.number, replicas: r.replicas, ready: Math.min(existing?.ready ?? 0, r.replicas) });
    }
    for (const h of plan.remove) this.deployments.delete(h);
    const conditions = computeConditions(
      this.status?.conditions,
      { generation: 1, desiredReplicas: spec.replicas, readyReplicas: plan.totals.servingReadyReplicas, available: true, rollout: plan.state },
      new Date(this.now),
    );
    this.status = { ...plan.status, conditions };
    for (const k of plan.consumed) delete this.annotations[k];
    this.events.push(...plan.events);
    this.last = plan;
    return plan;
  }

  /** Every pod that can start is Ready. */
  settle(): void {
    for (const [hash, d] of this.deployments) if (!this.failing.has(hash) && !this.stuck.has(hash)) d.ready = d.replicas;
  }

  /** Reconcile and let pods start until nothing changes. */
  converge(passes = 12): RolloutPlan {
    for (let i = 0; i < passes; i++) {
      const before = JSON.stringify([this.status, [...this.deployments]]);
      this.reconcile();
      this.settle();
      if (JSON.stringify([this.status, [...this.deployments]]) === before) break;
    }
    return this.last;
  }

  tick(ms: number): void {
    this.now += ms;
  }

  /** The candidate now (a method, so an assertion about an earlier value does not narrow later reads). */
  candidate(): ModelDeploymentStatus['canaryRevision'] {
    return this.status?.canaryRevision;
  }

  replicas(hash: string): number | undefined {
    return this.deployments.get(hash)?.replicas;
  }

  condition(type: string): string | undefined {
    return findCondition(this.status?.conditions, type)?.status;
  }

  reasons(): string[] {
    return this.events.map((e) => e.reason);
  }
}

function measurement(phase: AnalysisMeasurement['phase'], now: number, message: string = phase): AnalysisMeasurement {
  return { time: new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'), phase, requests: 100, message };
}

const canarySpec = (over: Partial<ModelDeploymentSpec> = {}): ModelDeploymentSpec => ({
  model: { version: '1', uri: 'file:///models/1.onnx' },
  replicas: 4,
  rollout: {
    strategy: 'Canary',
    steps: [{ setWeight: 25 }, { pause: { duration: '30s' } }, { setWeight: 50 }, { pause: {} }],
    analysis: { interval: '10s', maxErrorRate: 0.01, minRequests: 20, failureLimit: 0 },
    progressDeadlineSeconds: 60,
  },
  ...over,
});

/** A world whose first revision (version 1) is stable. */
function stableWorld(spec: ModelDeploymentSpec): { w: World; v1: string } {
  const w = new World(spec);
  w.converge();
  const v1 = w.desired().hash;
  assert.equal(w.status?.stableRevision?.hash, v1);
  return { w, v1 };
}

describe('the first revision', () => {
  test('starts at full size and becomes stable once every pod is Ready', () => {
    const w = new World(canarySpec());
    const plan = w.reconcile();
    const hash = w.desired().hash;
    assert.equal(w.replicas(hash), 4);
    assert.equal(plan.state.phase, 'Progressing');
    assert.equal(w.status?.canaryRevision?.revision, 1);
    w.settle();
    w.reconcile();
    assert.equal(w.status?.stableRevision?.hash, hash);
    assert.equal(w.status?.canaryRevision, undefined);
    assert.deepEqual(w.status?.history?.map((h) => [h.revision, h.outcome, h.reason]), [[1, 'Promoted', 'RolloutCompleted']]);
    assert.deepEqual(w.reasons(), ['RolloutStarted', 'RolloutCompleted']);
    assert.equal(w.condition('Ready'), 'True');
  });

  test('reports Failed but keeps trying when its model cannot be fetched, since there is nothing to go back to', () => {
    const w = new World(canarySpec());
    w.failing.set(w.desired().hash, { reason: 'ChecksumMismatch', message: 'checksum mismatch' });
    const plan = w.converge();
    assert.equal(plan.state.phase, 'Failed');
    assert.equal(w.replicas(w.desired().hash), 4);
    assert.equal(w.condition('Stalled'), 'True');
    w.failing.clear();
    w.converge();
    assert.equal(w.status?.stableRevision?.version, '1');
  });
});

describe('steady state', () => {
  test('plans the same status twice, with no events and no requeue', () => {
    const { w } = stableWorld(canarySpec());
    const before = JSON.stringify(w.status);
    const plan = w.reconcile();
    assert.equal(JSON.stringify(w.status), before);
    assert.deepEqual(plan.events, []);
    assert.equal(plan.requeueAfterMs, undefined);
    assert.equal(plan.analysis, undefined);
  });

  test('routes every Service to the one revision', () => {
    const { w, v1 } = stableWorld(canarySpec());
    assert.deepEqual(w.last.routing, { stable: v1, candidate: v1 });
  });
});

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

describe('RollingUpdate', () => {
  const spec = (): ModelDeploymentSpec => ({ model: { version: '1', uri: 'file:///models/1.onnx' }, replicas: 4, rollout: { strategy: 'RollingUpdate', progressDeadlineSeconds: 30 } });

  test('surges by 25% and shrinks the old revision only by the new one\'s Ready pods', () => {
    const { w, v1 } = stableWorld(spec());
    const v2 = w.setVersion('2');
    const seen: Array<[number | undefined, number | undefined]> = [];
    for (let i = 0; i < 10 && w.status?.stableRevision?.hash !== v2; i++) {
      w.reconcile();
      seen.push([w.replicas(v2), w.replicas(v1)]);
      const ready = (w.deployments.get(v2)?.ready ?? 0) + (w.deployments.get(v1)?.ready ?? 0);
      assert.ok(ready >= 4 || i === 0, `Ready capacity ${ready} fell below 4 at pass ${i}`);
      w.settle();
    }
    assert.deepEqual(seen.slice(0, 4), [[1, 4], [2, 3], [3, 2], [4, 1]]);
    assert.equal(w.status?.stableRevision?.hash, v2);
    assert.equal(w.replicas(v1), 0);
    assert.equal(w.status?.canaryRevision, undefined);
  });

  test('rolls back when the new revision is not Available within progressDeadlineSeconds', () => {
    const { w, v1 } = stableWorld(spec());
    const v2 = w.setVersion('2');
    w.stuck.add(v2);
    w.converge();
    assert.equal(w.replicas(v1), 4);
    w.tick(31_000);
    w.reconcile();
    assert.deepEqual([w.replicas(v2), w.replicas(v1)], [0, 4]);
    assert.equal(w.status?.history?.at(-1)?.reason, 'ProgressDeadlineExceeded');
  });
});

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

describe('undo', () => {
  test('goes back to a revision by number or version and stays there until retried', () => {
    const { w, v1 } = stableWorld(canarySpec({ rollout: { strategy: 'RollingUpdate' } }));
    const v2 = w.setVersion('2');
    w.converge();
    assert.equal(w.status?.stableRevision?.hash, v2);
    w.annotations['modelship.io/undo'] = '1';
    w.reconcile();
    assert.equal(w.status?.canaryRevision?.hash, v1);
    assert.equal(w.replicas(v1), 4);
    assert.equal(w.replicas(v2), 4, 'stable keeps serving until the old revision is Ready');
    w.settle();
    w.converge();
    assert.equal(w.status?.stableRevision?.hash, v1);
    assert.equal(w.replicas(v2), 0);
    assert.equal(w.last.state.phase, 'RolledBack');
    assert.equal(w.condition('Degraded'), 'True');
    assert.deepEqual(w.reasons().filter((r) => r.startsWith('Undo')), ['UndoStarted', 'UndoCompleted']);
    w.tick(1_000_000);
    w.converge();
    assert.equal(w.status?.stableRevision?.hash, v1);

    w.annotations['modelship.io/undo'] = '2';
    w.converge();
    assert.equal(w.status?.stableRevision?.hash, v2, 'undo to the spec\'s own revision rolls it out again');
    assert.equal(w.last.state.phase, 'Complete');

    w.annotations['modelship.io/undo'] = 'nope';
    w.reconcile();
    assert.equal(w.events.at(-1)?.reason, 'UndoFailed');
  });

  test('during a canary, undo to stable ends the canary', () => {
    const { w, v1 } = stableWorld(canarySpec());
    const v2 = w.setVersion('2');
    w.converge();
    w.annotations['modelship.io/undo'] = '1';
    w.reconcile();
    assert.deepEqual([w.replicas(v2), w.replicas(v1)], [0, 4]);
    assert.equal(w.status?.history?.at(-1)?.reason, 'UndoRequested');
    assert.equal(w.converge().state.phase, 'RolledBack');
  });
});

describe('revision history', () => {
  test('keeps revisionHistoryLimit old Deployments and history entries', () => {
    const { w } = stableWorld(canarySpec({ revisionHistoryLimit: 2, rollout: { strategy: 'RollingUpdate' } }));
    const hashes = [w.desired().hash];
    for (const v of ['2', '3', '4', '5']) {
      hashes.push(w.setVersion(v));
      w.converge();
    }
    assert.equal(w.status?.stableRevision?.revision, 5);
    assert.deepEqual([...w.deployments.keys()].sort(), [hashes[2], hashes[3], hashes[4]].sort());
    assert.deepEqual(w.status?.history?.map((h) => h.revision), [4, 5]);
  });
});

test('an unusable annotation is removed with a Warning', () => {
  const { w } = stableWorld(canarySpec());
  w.annotations['modelship.io/promote'] = 'sideways';
  const plan = w.reconcile();
  assert.deepEqual(plan.consumed, ['modelship.io/promote']);
  assert.equal(plan.events[0]?.reason, 'InvalidAnnotation');
});

test('weightAt is the last setWeight at or before a step', () => {
  const steps = [{ pause: {} }, { setWeight: 10 }, { pause: {} }, { setWeight: 40 }];
  assert.deepEqual([0, 1, 2, 3].map((s) => weightAt(steps, s)), [0, 10, 10, 40]);
});
