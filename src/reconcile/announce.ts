import { CONDITION_TYPES } from '../api/constants.ts';
import type { ModelDeploymentStatus } from '../api/types.ts';
import type { EventRecorder } from '../events/recorder.ts';
import type { RolloutEvent } from '../rollout/plan.ts';
import { findCondition } from '../status/conditions.ts';
import type { ChildOutcome } from './child.ts';
import type { CachedModelDeployment } from './context.ts';

export interface Transition {
  previous: ModelDeploymentStatus | undefined;
  next: ModelDeploymentStatus;
  outcomes: Array<{ kind: string; outcome: ChildOutcome<unknown> }>;
  /** What the rollout engine decided in this pass (started, step completed, rolled back, …). */
  rollout: readonly RolloutEvent[];
}

/**
 * Events for what a person watching `kubectl describe md` wants to see: the
 * rollout's own story, children created, restored or removed, availability
 * changing, and getting stuck. Derived from one pass's before/after and
 * decisions, so a steady-state reconcile records nothing.
 */
export function announce(events: Pick<EventRecorder, 'event'>, md: CachedModelDeployment, t: Transition): void {
  for (const e of t.rollout) events.event(md, e.type, e.reason, 'Rollout', e.message);

  // One Event per kind of change and pass, naming every child it touched. Revision Deployments come and
  // go with rollouts, which tell that story themselves; a restored one is still worth saying, and so is a
  // first version that replaces one that never came up, which no rollout Event tells (rollout/decisions.ts).
  // A brand-new ModelDeployment gets no Created Event: nothing existed to change, its status names the
  // revision it runs, and its children's own controllers record their Events (a Deployment's
  // ScalingReplicaSet). Writes per new ModelDeployment stay at its children and its status (ADR 0006).
  const first = !t.previous?.stableRevision;
  const brandNew = first && !t.previous?.canaryRevision;
  const touched = (action: ChildOutcome<unknown>['action']) =>
    t.outcomes
      .filter(({ kind, outcome }) => outcome.action === action && (action === 'restored' || kind !== 'Deployment' || (first && action === 'created')))
      .map(({ kind, outcome }) => `${kind} ${nameOf(outcome.live ?? outcome.previous) || md.metadata.name}${kind === 'Deployment' ? versionOf(t.next) : ''}`);
  const created = touched('created');
  const restored = touched('restored');
  const deleted = touched('deleted');
  if (created.length && !brandNew) events.event(md, 'Normal', 'Created', 'Create', `created ${created.join(', ')}`);
  if (restored.length) events.event(md, 'Normal', 'Restored', 'Update', `restored ${restored.join(', ')}, changed outside the operator`);
  if (deleted.length) events.event(md, 'Normal', 'Deleted', 'Delete', `deleted ${deleted.join(', ')}, no longer wanted by the spec`);

  const was = (type: string) => findCondition(t.previous?.conditions, type);
  const is = (type: string) => findCondition(t.next.conditions, type);
  const available = is(CONDITION_TYPES.available);
  const completed = t.rollout.some((e) => e.reason === 'RolloutCompleted');
  // A rollout's completion already says the model is available; a first version's Ready condition does.
  if (available?.status === 'True' && was(CONDITION_TYPES.available)?.status !== 'True' && !completed && !first) {
    events.event(md, 'Normal', 'Available', 'Reconcile', available.message);
  }
  if (available?.status === 'False' && was(CONDITION_TYPES.available)?.status === 'True') {
    events.event(md, 'Warning', 'Unavailable', 'Reconcile', available.message);
  }
  // Getting stuck is said once; a rollback's own Warning already said it.
  const stalled = is(CONDITION_TYPES.stalled);
  const stalledBefore = was(CONDITION_TYPES.stalled);
  const warned = t.rollout.some((e) => e.type === 'Warning');
  if (stalled?.status === 'True' && !warned && (stalledBefore?.status !== 'True' || stalledBefore.reason !== stalled.reason)) {
    events.event(md, 'Warning', stalled.reason, 'Reconcile', stalled.message);
  }
}

/** " (version 2, revision 3)": the version a first version's Deployment runs. */
function versionOf(status: ModelDeploymentStatus): string {
  const r = status.canaryRevision ?? status.stableRevision;
  return r ? ` (version ${r.version}, revision ${r.revision})` : '';
}

function nameOf(obj: unknown): string {
  return (obj as { metadata?: { name?: string } } | undefined)?.metadata?.name ?? '';
}
