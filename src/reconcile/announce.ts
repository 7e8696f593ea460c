import type { V1Deployment } from '@kubernetes/client-node';
import { CONDITION_TYPES } from '../api/constants.ts';
import type { ModelDeploymentStatus } from '../api/types.ts';
import type { Revision } from '../builders/revision.ts';
import type { EventRecorder } from '../events/recorder.ts';
import { findCondition } from '../status/conditions.ts';
import type { ChildOutcome } from './child.ts';
import type { CachedModelDeployment } from './context.ts';
import type { RolloutDecision } from './rollout.ts';
import { templateRevision } from './rollout.ts';

export interface Transition {
  previous: ModelDeploymentStatus | undefined;
  next: ModelDeploymentStatus;
  outcomes: Array<{ kind: string; outcome: ChildOutcome<unknown> }>;
  rollout: RolloutDecision;
  revision: Revision;
  number: number;
}

/**
 * Events for what a person watching `kubectl describe md` wants to see:
 * children created, restored or removed, a rollout starting and finishing,
 * availability changing, and getting stuck. Derived from before/after, so a
 * steady-state reconcile records nothing.
 */
export function announce(events: EventRecorder, md: CachedModelDeployment, t: Transition): void {
  // One Event per kind of change and pass, naming every child it touched.
  const touched = (action: ChildOutcome<unknown>['action']) =>
    t.outcomes
      .filter(({ outcome }) => outcome.action === action)
      .map(({ kind, outcome }) => `${kind} ${nameOf(outcome.live ?? outcome.previous) || md.metadata.name}`);
  const created = touched('created');
  const restored = touched('restored');
  const deleted = touched('deleted');
  if (created.length) events.event(md, 'Normal', 'Created', 'Create', `created ${created.join(', ')}`);
  if (restored.length) events.event(md, 'Normal', 'Restored', 'Update', `restored ${restored.join(', ')}, changed outside the operator`);
  if (deleted.length) events.event(md, 'Normal', 'Deleted', 'Delete', `deleted ${deleted.join(', ')}, no longer wanted by the spec`);

  // A new ModelDeployment's first rollout is told by Created and RolloutCompleted; this is for version changes.
  for (const { kind, outcome } of t.outcomes) {
    if (kind !== 'Deployment' || outcome.action !== 'updated') continue;
    const before = templateRevision(outcome.previous as V1Deployment | undefined);
    if (before !== undefined && before !== t.revision.hash) {
      events.event(md, 'Normal', 'RolloutStarted', 'Rollout', `rolling out version ${t.revision.version} (revision ${t.number}, ${t.revision.hash})`);
    }
  }

  const was = (type: string) => findCondition(t.previous?.conditions, type);
  const is = (type: string) => findCondition(t.next.conditions, type);
  const available = is(CONDITION_TYPES.available);
  const becameAvailable = available?.status === 'True' && was(CONDITION_TYPES.available)?.status !== 'True';
  if (t.rollout.promoted) {
    const detail = becameAvailable ? `; ${available.message}` : '';
    events.event(md, 'Normal', 'RolloutCompleted', 'Rollout', `version ${t.revision.version} (revision ${t.number}) is serving${detail}`);
  } else if (becameAvailable) {
    events.event(md, 'Normal', 'Available', 'Reconcile', available.message);
  }
  if (available?.status === 'False' && was(CONDITION_TYPES.available)?.status === 'True') {
    events.event(md, 'Warning', 'Unavailable', 'Reconcile', available.message);
  }
  const stalled = is(CONDITION_TYPES.stalled);
  const stalledBefore = was(CONDITION_TYPES.stalled);
  if (stalled?.status === 'True' && (stalledBefore?.status !== 'True' || stalledBefore.reason !== stalled.reason)) {
    events.event(md, 'Warning', stalled.reason, 'Reconcile', stalled.message);
  }
}

function nameOf(obj: unknown): string {
  return (obj as { metadata?: { name?: string } } | undefined)?.metadata?.name ?? '';
}
