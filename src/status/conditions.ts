// Condition bookkeeping and the kstatus-compatible summary of a ModelDeployment. Pure: the reconcile
// gathers what it observed into a StatusObservation and writes back what computeConditions returns.
//
// kstatus (sigs.k8s.io/cli-utils/pkg/kstatus), which kubectl wait, Flux, kpt and Argo CD style health checks
// follow, reads a custom resource in this order:
//   1. metadata.generation != status.observedGeneration  → InProgress
//   2. a Reconciling condition with status True          → InProgress
//   3. a Stalled condition with status True              → Failed
//   4. a Ready condition: True → Current, False → InProgress
// Reconciling and Stalled have "abnormal-true" polarity: they exist only while True and are removed
// otherwise, so their absence means normal. They are never both present (kstatus would report whichever
// comes first in the list). Ready is always present, so a reader can tell a reconciled object from one the
// operator has not reached yet.

import { CONDITION_TYPES } from '../api/constants.ts';
import type { Condition, ConditionStatus } from '../api/types.ts';

/** What a caller decides about one condition; setCondition adds the bookkeeping fields. */
export interface ConditionUpdate {
  type: string;
  status: ConditionStatus;
  /** CamelCase, e.g. RolloutInProgress. */
  reason: string;
  message: string;
}

export function findCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/**
 * Returns `conditions` with `update` applied, without modifying the input. lastTransitionTime moves to `now`
 * only when the status changes (or the condition is new); reason, message and observedGeneration always
 * follow the update. Order is kept; a new condition is appended.
 */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  update: ConditionUpdate,
  observedGeneration: number,
  now: Date,
): Condition[] {
  const list = [...(conditions ?? [])];
  const index = list.findIndex((c) => c.type === update.type);
  const previous = index >= 0 ? list[index] : undefined;
  const next: Condition = {
    type: update.type,
    status: update.status,
    observedGeneration,
    lastTransitionTime: previous && previous.status === update.status ? previous.lastTransitionTime : rfc3339(now),
    reason: asReason(update.reason),
    message: truncate(update.message, 32768),
  };
  if (index >= 0) list[index] = next;
  else list.push(next);
  return list;
}

/** Returns `conditions` without the condition of `type`. */
export function removeCondition(conditions: readonly Condition[] | undefined, type: string): Condition[] {
  return (conditions ?? []).filter((c) => c.type !== type);
}

/** True when both lists say the same thing (ignoring order), so a status write can be skipped. */
export function conditionsEqual(a: readonly Condition[] | undefined, b: readonly Condition[] | undefined): boolean {
  const left = a ?? [];
  const right = b ?? [];
  if (left.length !== right.length) return false;
  return left.every((c) => {
    const other = findCondition(right, c.type);
    return (
      other !== undefined &&
      other.status === c.status &&
      other.reason === c.reason &&
      other.message === c.message &&
      other.observedGeneration === c.observedGeneration &&
      other.lastTransitionTime === c.lastTransitionTime
    );
  });
}

// ---------------------------------------------------------------------------------------------------------
// Aggregation

/** Where the rollout of spec.model stands, as the reconcile determined it. */
export type RolloutState =
  /** The spec's revision is the stable one; nothing in flight. */
  | { phase: 'Complete' }
  /** A new revision is being rolled out (rolling update, canary step, analysis, blue-green preview). */
  | { phase: 'Progressing'; reason: string; message: string }
  /** Held: a pause step without duration, or the modelship.io/paused annotation. Waits for a person. */
  | { phase: 'Paused'; reason: string; message: string }
  /**
   * The spec's revision failed and traffic went back to the stable revision (analysis failed, deadline
   * exceeded, bad model, aborted). Stays so until the spec changes or modelship.io/retry is set.
   */
  | { phase: 'RolledBack'; reason: string; message: string }
  /** The spec's revision failed and there is no earlier revision to fall back to. */
  | { phase: 'Failed'; reason: string; message: string };

export interface StatusObservation {
  /** metadata.generation of the object this reconcile read; every condition records it. */
  generation: number;
  /** spec.replicas (or what the autoscaler set): pods wanted across all serving revisions. */
  desiredReplicas: number;
  /** Ready pods across all serving revisions. */
  readyReplicas: number;
  /** Whether the serving Deployments report Available=True (enough pods to serve). */
  available: boolean;
  rollout: RolloutState;
  /**
   * What this pass is about to scale down (e.g. "version 1 (revision 3) to 0"), set while a Deployment's
   * spec is still larger than the plan wants. A status written before the shrink must not claim the
   * result of it: the ModelDeployment stays InProgress until a pass observes the smaller Deployment.
   */
  scalingDown?: string;
  /**
   * A failure of this reconcile pass, e.g. an apply the API server refused. `terminal` when retrying cannot
   * help until something changes (the reconcile reports it and stops retrying); otherwise it is retried.
   */
  error?: { reason: string; message: string; terminal: boolean };
}

const T = CONDITION_TYPES;

/**
 * The six conditions for `observation`, merged into `previous` so unchanged conditions keep their
 * lastTransitionTime. Reconciling and Stalled are removed unless True. Other condition types in `previous`
 * are kept as they are.
 */
export function computeConditions(previous: readonly Condition[] | undefined, observation: StatusObservation, now: Date): Condition[] {
  const updates = summarize(observation);
  let conditions = [...(previous ?? [])];
  for (const update of updates) {
    if ((update.type === T.reconciling || update.type === T.stalled) && update.status !== 'True') {
      conditions = removeCondition(conditions, update.type);
    } else {
      conditions = setCondition(conditions, update, observation.generation, now);
    }
  }
  return conditions;
}

/** The decision behind computeConditions, without bookkeeping: one update per condition type. */
export function summarize(o: StatusObservation): ConditionUpdate[] {
  const { rollout } = o;
  const replicasReady = o.readyReplicas >= o.desiredReplicas;
  const replicaText = `${o.readyReplicas}/${o.desiredReplicas} replicas ready`;

  const available: ConditionUpdate =
    o.desiredReplicas === 0 && o.readyReplicas === 0
      ? { type: T.available, status: 'False', reason: 'ScaledToZero', message: 'spec.replicas is 0: no pod serves the model' }
      : o.available
        ? { type: T.available, status: 'True', reason: 'MinimumReplicasAvailable', message: replicaText }
        : { type: T.available, status: 'False', reason: 'MinimumReplicasUnavailable', message: replicaText };

  const failed = rollout.phase === 'RolledBack' || rollout.phase === 'Failed';
  const progressing: ConditionUpdate =
    rollout.phase === 'Complete'
      ? { type: T.progressing, status: 'False', reason: 'RolloutComplete', message: 'the spec\'s revision is stable' }
      : rollout.phase === 'Paused'
        ? { type: T.progressing, status: 'True', reason: rollout.reason, message: rollout.message }
        : { type: T.progressing, status: failed ? 'False' : 'True', reason: rollout.reason, message: rollout.message };

  const degraded: ConditionUpdate = failed
    ? { type: T.degraded, status: 'True', reason: rollout.reason, message: rollout.message }
    : o.error?.terminal
      ? { type: T.degraded, status: 'True', reason: o.error.reason, message: o.error.message }
      : { type: T.degraded, status: 'False', reason: 'AsExpected', message: 'the spec\'s revision is serving or on its way' };

  // What kstatus reads: exactly one of Current (Ready True), InProgress (Reconciling True) or Failed (Stalled True).
  let verdict: { state: 'Current' } | { state: 'InProgress' | 'Failed'; reason: string; message: string };
  if (o.error?.terminal) verdict = { state: 'Failed', reason: o.error.reason, message: o.error.message };
  else if (failed) verdict = { state: 'Failed', reason: rollout.reason, message: rollout.message };
  else if (o.error) verdict = { state: 'InProgress', reason: o.error.reason, message: `retrying: ${o.error.message}` };
  else if (rollout.phase !== 'Complete') verdict = { state: 'InProgress', reason: rollout.reason, message: rollout.message };
  else if (o.scalingDown) verdict = { state: 'InProgress', reason: 'ScalingDown', message: `scaling down ${o.scalingDown}` };
  else if (!replicasReady || (!o.available && o.desiredReplicas > 0)) {
    verdict = { state: 'InProgress', reason: 'WaitingForReplicas', message: replicaText };
  } else verdict = { state: 'Current' };

  const ready: ConditionUpdate =
    verdict.state === 'Current'
      ? { type: T.ready, status: 'True', reason: 'Ready', message: `the spec's revision is serving; ${replicaText}` }
      : { type: T.ready, status: 'False', reason: verdict.reason, message: verdict.message };
  const reconciling: ConditionUpdate =
    verdict.state === 'InProgress'
      ? { type: T.reconciling, status: 'True', reason: verdict.reason, message: verdict.message }
      : { type: T.reconciling, status: 'False', reason: 'Reconciled', message: '' };
  const stalled: ConditionUpdate =
    verdict.state === 'Failed'
      ? { type: T.stalled, status: 'True', reason: verdict.reason, message: verdict.message }
      : { type: T.stalled, status: 'False', reason: 'NotStalled', message: '' };

  return [ready, reconciling, stalled, available, progressing, degraded];
}

// ---------------------------------------------------------------------------------------------------------
// Reading it back

export type KStatus = 'Current' | 'InProgress' | 'Failed' | 'Terminating';

/** The kstatus verdict for a ModelDeployment, computed the way cli-utils does for a custom resource. */
export function kstatusOf(md: {
  metadata: { generation?: number; deletionTimestamp?: unknown };
  status?: { observedGeneration?: number; conditions?: readonly Condition[] };
}): { status: KStatus; message: string } {
  // kstatus decides deletion from metadata before it reads any status: the conditions of an object being
  // deleted describe the last pass, not where it is going.
  if (md.metadata.deletionTimestamp) return { status: 'Terminating', message: 'Resource scheduled for deletion' };
  const generation = md.metadata.generation;
  const observed = md.status?.observedGeneration;
  if (generation !== undefined && observed !== undefined && generation !== observed) {
    return { status: 'InProgress', message: `generation is ${generation}, but latest observed generation is ${observed}` };
  }
  for (const c of md.status?.conditions ?? []) {
    if (c.type === T.reconciling && c.status === 'True') return { status: 'InProgress', message: c.message };
    if (c.type === T.stalled && c.status === 'True') return { status: 'Failed', message: c.message };
  }
  const ready = findCondition(md.status?.conditions, T.ready);
  if (ready?.status === 'True') return { status: 'Current', message: ready.message };
  return { status: 'InProgress', message: ready?.message ?? 'no Ready condition yet' };
}

/** RFC 3339 with second precision, as metav1.Time serializes. */
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * A reason the API server accepts (metav1.Condition: CamelCase, letters first, at most 1024 characters), so a
 * stray character in a computed reason never makes the whole status write fail.
 */
export function asReason(text: string): string {
  const cleaned = text.replace(/[^A-Za-z0-9_,:]/g, '').replace(/^[^A-Za-z]+/, '').replace(/[,:]+$/, '').slice(0, 1024);
  return cleaned === '' ? 'Unknown' : cleaned;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 3)}...`;
}
