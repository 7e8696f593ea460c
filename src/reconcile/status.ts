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
  const observation: StatusObservation = {
    generation: md.metadata.generation ?? 0,
    desiredReplicas: spec.replicas,
    readyReplicas: ready,
    available: spec.replicas > 0 && ready >= spec.replicas,
    rollout: plan.state,
    ...(input.error ? { error: input.error } : {}),
  };
  return {
    ...previous,
    ...plan.status,
    observedGeneration: md.metadata.generation ?? 0,
    conditions: computeConditions(md.status?.conditions, observation, now),
    // Pods that exist now, across revisions (a canary runs up to one more than spec.replicas).
    replicas: input.observed.reduce((sum, o) => sum + o.currentReplicas, 0),
    readyReplicas: ready,
    selector: selectorString(selectorLabels(md)),
    url: serviceUrl(md),
  };
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
