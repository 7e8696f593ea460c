import type { V1Deployment } from '@kubernetes/client-node';
import type { HistoryEntry, ModelDeploymentStatus, StableRevision } from '../api/types.ts';
import { selectorLabels, selectorString } from '../builders/labels.ts';
import { serviceUrl } from '../builders/service.ts';
import { canonicalJson } from '../builders/revision.ts';
import type { StatusObservation } from '../status/conditions.ts';
import { computeConditions, rfc3339 } from '../status/conditions.ts';
import type { CachedModelDeployment } from './context.ts';
import { isAvailable } from './rollout.ts';
import type { RolloutDecision } from './rollout.ts';

export interface StatusInput {
  md: CachedModelDeployment;
  desiredReplicas: number;
  revisionHistoryLimit: number;
  deployment: V1Deployment | undefined;
  rollout: RolloutDecision;
  error?: StatusObservation['error'];
  now: Date;
}

/**
 * The status the ModelDeployment should have. Everything not recomputed here
 * (fields a later rollout engine adds) is carried over from the current one.
 */
export function buildStatus(input: StatusInput): ModelDeploymentStatus {
  const { md, deployment, rollout, now } = input;
  const previous = md.status ?? {};
  const readyReplicas = deployment?.status?.readyReplicas ?? 0;
  const observation: StatusObservation = {
    generation: md.metadata.generation ?? 0,
    desiredReplicas: input.desiredReplicas,
    readyReplicas,
    available: isAvailable(deployment),
    rollout: rollout.state,
    ...(input.error ? { error: input.error } : {}),
  };
  let stableRevision: StableRevision | undefined = previous.stableRevision;
  let history = previous.history;
  if (rollout.stable !== 'keep') {
    const { revision, number } = rollout.stable;
    stableRevision = {
      revision: number,
      version: revision.version,
      hash: revision.hash,
      uri: revision.uri,
      ...(revision.sha256 ? { sha256: revision.sha256 } : {}),
    };
    const entry: HistoryEntry = {
      revision: number,
      version: revision.version,
      hash: revision.hash,
      uri: revision.uri,
      ...(revision.sha256 ? { sha256: revision.sha256 } : {}),
      outcome: 'Promoted',
      time: rfc3339(now),
      reason: 'RolloutCompleted',
      message: `version ${revision.version} rolled out and available`,
    };
    const limit = input.revisionHistoryLimit;
    history = limit > 0 ? [...(history ?? []), entry].slice(-limit) : [];
  }
  return {
    ...previous,
    observedGeneration: md.metadata.generation ?? 0,
    conditions: computeConditions(previous.conditions, observation, now),
    ...(stableRevision ? { stableRevision } : {}),
    ...(history ? { history } : {}),
    replicas: deployment?.status?.replicas ?? 0,
    readyReplicas,
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
