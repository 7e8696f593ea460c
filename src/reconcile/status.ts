import type { DefaultedModelDeploymentSpec, ModelDeployment, ModelDeploymentStatus } from '../api/types.ts';
import { selectorLabels, selectorString } from '../builders/labels.ts';
import { canonicalJson } from '../util/canonical-json.ts';
import { serviceUrl } from '../builders/service.ts';
import type { ObservedRevision } from '../rollout/observe.ts';
import type { RolloutPlan } from '../rollout/plan.ts';
import type { StatusObservation } from '../status/conditions.ts';
import { computeConditions } from '../status/conditions.ts';

/** The fields the rollout engine owns: the plan says all of them, and one it leaves out is gone. */
const ROLLOUT_FIELDS = ['stableRevision', 'canaryRevision', 'retiringRevision', 'analysis', 'history'] as const;

export interface StatusInput {
  md: Pick<ModelDeployment, 'metadata' | 'status'>;
  spec: DefaultedModelDeploymentSpec;
  plan: RolloutPlan;
  observed: readonly ObservedRevision[];
  /**
   * Revisions whose Deployments this pass shrinks after writing the status (the reconciler's write order):
   * until a later pass observes them smaller, the status keeps saying they are there.
   */
  shrinking?: ReadonlyArray<{ hash: string; replicas: number }>;
  error?: StatusObservation['error'];
  now: Date;
}

/**
 * The status the ModelDeployment should have: the rollout fields the engine
 * decided, kstatus conditions for where the rollout stands, and the /scale
 * fields. Fields nobody here computes are carried over.
 */
export function buildStatus(input: StatusInput): ModelDeploymentStatus {
  const { md, spec, plan, now } = input;
  const previous: ModelDeploymentStatus = { ...(md.status ?? {}) };
  for (const field of ROLLOUT_FIELDS) delete previous[field];
  const ready = plan.totals.servingReadyReplicas;
  const scalingDown = describeShrinks(input.shrinking ?? [], input.observed);
  const observation: StatusObservation = {
    generation: md.metadata.generation ?? 0,
    desiredReplicas: spec.replicas,
    readyReplicas: ready,
    available: spec.replicas > 0 && ready >= spec.replicas,
    rollout: plan.state,
    ...(scalingDown ? { scalingDown } : {}),
    ...(input.error ? { error: input.error } : {}),
  };
  return {
    ...previous,
    ...plan.status,
    ...stillRetiring(md.status, plan, input.shrinking ?? []),
    observedGeneration: md.metadata.generation ?? 0,
    conditions: computeConditions(md.status?.conditions, observation, now),
    // Pods that exist now, across revisions (a canary runs up to one more than spec.replicas).
    replicas: input.observed.reduce((sum, o) => sum + o.currentReplicas, 0),
    readyReplicas: ready,
    selector: selectorString(selectorLabels(md)),
    url: serviceUrl(md),
  };
}

/** "version 1 (2 → 0), version 2 (4 → 3)": what a pending shrink changes, for the condition's message. */
function describeShrinks(shrinking: ReadonlyArray<{ hash: string; replicas: number }>, observed: readonly ObservedRevision[]): string | undefined {
  if (shrinking.length === 0) return undefined;
  return shrinking
    .map((s) => {
      const o = observed.find((r) => r.hash === s.hash);
      return `version ${o?.version ?? s.hash} (${o?.replicas ?? '?'} → ${s.replicas} replicas)`;
    })
    .join(', ');
}

/**
 * The retiring revision the plan just let go, kept while its Deployment has not yet been scaled down: a
 * reader (Flux, helm --wait, a test) must not see it gone before it is.
 */
function stillRetiring(previous: ModelDeploymentStatus | undefined, plan: RolloutPlan, shrinking: ReadonlyArray<{ hash: string }>): Pick<ModelDeploymentStatus, 'retiringRevision'> {
  const retiring = previous?.retiringRevision;
  if (!retiring || plan.status.retiringRevision || !shrinking.some((s) => s.hash === retiring.hash)) return {};
  return { retiringRevision: retiring };
}

/** Whether writing `next` would change anything; equal statuses cost no API call. */
export function statusChanged(current: ModelDeploymentStatus | undefined, next: ModelDeploymentStatus): boolean {
  return canonicalJson(normalize(current ?? {})) !== canonicalJson(normalize(next));
}

/** Orders conditions by type so that list order alone never triggers a write. */
function normalize(s: ModelDeploymentStatus): ModelDeploymentStatus {
  if (!s.conditions) return s;
  return { ...s, conditions: [...s.conditions].sort((a, b) => a.type.localeCompare(b.type)) };
}
