// What the rollout engine reads and what it decides; see plan.ts.

import type { AnalysisMeasurement, DefaultedModelDeploymentSpec, ModelDeploymentStatus } from '../api/types.ts';
import type { Thresholds } from '../analysis/judge.ts';
import type { Revision } from '../builders/revision.ts';
import type { RolloutState } from '../status/conditions.ts';
import type { ObservedRevision } from './observe.ts';

export interface RolloutInput {
  now: Date;
  spec: DefaultedModelDeploymentSpec;
  status: ModelDeploymentStatus | undefined;
  annotations: Record<string, string> | undefined;
  /** The revision the spec asks for. */
  desired: Revision;
  /** Every revision that has a Deployment. */
  observed: readonly ObservedRevision[];
  /** A measurement of the candidate taken in this pass (see RolloutPlan.analysis). */
  measurement?: { hash: string; measurement: AnalysisMeasurement };
}

export type RevisionRole = 'stable' | 'candidate' | 'retiring' | 'old';

/** A revision with the size and role the plan gives it: what the Deployment builder takes. */
export interface RevisionPlan extends Revision {
  number: number;
  /** The template was rebuilt from status (the Deployment that held it is gone): the spec's runtime with the revision's model. */
  approximate: boolean;
  replicas: number;
  role: RevisionRole;
}

/** Which revision each Service selects. */
export interface Routing {
  /** The main Service: undefined selects every revision's Ready pods; a hash selects that revision only (BlueGreen). */
  main?: string;
  /** <name>-stable. */
  stable?: string;
  /** <name>-canary or <name>-preview: the candidate, or stable when there is none. */
  candidate?: string;
}

export interface RolloutEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

/** The rollout part of the status; the reconcile adds conditions, replicas, selector and URL. */
export type RolloutStatus = Pick<ModelDeploymentStatus, 'stableRevision' | 'canaryRevision' | 'retiringRevision' | 'analysis' | 'history'>;

export interface RolloutPlan {
  revisions: RevisionPlan[];
  /** Revisions whose Deployments go: older than revisionHistoryLimit keeps. */
  remove: string[];
  routing: Routing;
  status: RolloutStatus;
  state: RolloutState;
  events: RolloutEvent[];
  /** One-shot annotations acted on in this pass, to be removed after the status is written. */
  consumed: string[];
  /** Set while the candidate is under analysis: measure it (and stable) and plan again with the measurement. */
  analysis?: { candidate: string; stable?: string; intervalMs: number; thresholds: Thresholds };
  requeueAfterMs?: number;
  /** Pods that should exist (sum of replicas over revisions) and Ready pods that serve the main Service. */
  totals: { replicas: number; readyReplicas: number; servingReadyReplicas: number };
}

/** How the candidate moves: the spec's strategy, or the first revision, or an undo to an older revision. */
export type Mode = 'initial' | 'rolling' | 'canary' | 'bluegreen' | 'undo';

/** Reasons in history and conditions. */
export const REASONS = {
  completed: 'RolloutCompleted',
  deadline: 'ProgressDeadlineExceeded',
  analysisFailed: 'AnalysisFailed',
  /** Analysis failed and the deciding measurement's predictions shifted beyond the prediction check's threshold. */
  predictionShift: 'PredictionShift',
  abort: 'AbortRequested',
  undo: 'UndoRequested',
  superseded: 'Superseded',
} as const;
