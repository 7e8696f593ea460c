import type { V1Deployment } from '@kubernetes/client-node';
import { LABELS } from '../api/constants.ts';
import type { StableRevision } from '../api/types.ts';
import type { Revision } from '../builders/revision.ts';
import type { RolloutState } from '../status/conditions.ts';

/** The revision hash a Deployment's pod template runs. */
export function templateRevision(dep: V1Deployment | undefined): string | undefined {
  return dep?.spec?.template?.metadata?.labels?.[LABELS.revision];
}

/**
 * Whether the Deployment has finished rolling out its current template, as
 * `kubectl rollout status` judges it: the controller saw the latest spec,
 * every wanted pod runs the new template, no old pod is left, and the
 * Deployment reports Available.
 */
export function isRolledOut(dep: V1Deployment | undefined): boolean {
  if (!dep?.spec || !dep.status) return false;
  const wanted = dep.spec.replicas ?? 1;
  const s = dep.status;
  return (
    (s.observedGeneration ?? 0) >= (dep.metadata?.generation ?? 0) &&
    (s.updatedReplicas ?? 0) >= wanted &&
    (s.replicas ?? 0) <= (s.updatedReplicas ?? 0) &&
    (s.availableReplicas ?? 0) >= wanted &&
    isAvailable(dep)
  );
}

export function isAvailable(dep: V1Deployment | undefined): boolean {
  return dep?.status?.conditions?.some((c) => c.type === 'Available' && c.status === 'True') ?? false;
}

/** The Deployment controller gave up on the rollout (spec.progressDeadlineSeconds passed). */
export function deadlineExceeded(dep: V1Deployment | undefined): string | undefined {
  const c = dep?.status?.conditions?.find((x) => x.type === 'Progressing');
  return c?.status === 'False' && c.reason === 'ProgressDeadlineExceeded' ? (c.message ?? 'progress deadline exceeded') : undefined;
}

export interface RolloutDecision {
  /** The revision to report as serving: the spec's, once it has rolled out; until then the previous one. */
  stable: { revision: Revision; number: number } | 'keep';
  /** The spec's revision has just become stable in this pass. */
  promoted: boolean;
  state: RolloutState;
}

/**
 * Where a rolling update of `desired` stands, given the Deployment and the
 * revision status last reported as stable. Pure, so a restarted operator
 * reaches the same verdict from the same cluster state.
 */
export function decideRollout(
  desired: Revision,
  desiredNumber: number,
  stable: StableRevision | undefined,
  dep: V1Deployment | undefined,
): RolloutDecision {
  if (stable?.hash === desired.hash) return { stable: 'keep', promoted: false, state: { phase: 'Complete' } };
  const label = `version ${desired.version} (revision ${desiredNumber})`;
  if (templateRevision(dep) === desired.hash && isRolledOut(dep)) {
    return { stable: { revision: desired, number: desiredNumber }, promoted: true, state: { phase: 'Complete' } };
  }
  const stuck = templateRevision(dep) === desired.hash ? deadlineExceeded(dep) : undefined;
  if (stuck) {
    return { stable: 'keep', promoted: false, state: { phase: 'Failed', reason: 'ProgressDeadlineExceeded', message: `${label} did not become available: ${stuck}` } };
  }
  const s = dep?.status;
  const progress = dep
    ? `${s?.updatedReplicas ?? 0}/${dep.spec?.replicas ?? 1} pods updated, ${s?.availableReplicas ?? 0} available`
    : 'creating the Deployment';
  return {
    stable: 'keep',
    promoted: false,
    state: { phase: 'Progressing', reason: stable ? 'RollingUpdate' : 'Creating', message: `rolling out ${label}: ${progress}` },
  };
}
