// A tiny simulated cluster for the rollout engine's unit tests (src/rollout/**/*.test.ts).
import assert from 'node:assert/strict';
import { applyDefaults } from '../../src/api/defaults.ts';
import type { AnalysisMeasurement, ModelDeploymentSpec, ModelDeploymentStatus } from '../../src/api/types.ts';
import { computeConditions, findCondition } from '../../src/status/conditions.ts';
import type { ObservedRevision, RevisionFailure } from '../../src/rollout/observe.ts';
import type { Revision, RevisionTemplate } from '../../src/builders/revision.ts';
import { desiredRevision } from '../../src/builders/revision.ts';
import type { RolloutEvent, RolloutPlan } from '../../src/rollout/plan.ts';
import { planRollout } from '../../src/rollout/plan.ts';

export const T0 = Date.parse('2026-04-01T00:00:00Z');

export interface SimDeployment {
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
export class World {
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

export function measurement(phase: AnalysisMeasurement['phase'], now: number, message: string = phase): AnalysisMeasurement {
  return { time: new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'), phase, requests: 100, message };
}

export const canarySpec = (over: Partial<ModelDeploymentSpec> = {}): ModelDeploymentSpec => ({
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
export function stableWorld(spec: ModelDeploymentSpec): { w: World; v1: string } {
  const w = new World(spec);
  w.converge();
  const v1 = w.desired().hash;
  assert.equal(w.status?.stableRevision?.hash, v1);
  return { w, v1 };
}
