// Status writes while a ModelDeployment's first version comes up, coalesced per object.
//
// A new ModelDeployment's first version passes through states that each change its status: children
// applied (Progressing, 0/n pods), pods created (status.replicas), pods Ready (Ready). Written one by one
// that is three status writes where one says everything a reader acts on. Each state but the last is
// about to change on its own (the pods the Deployment controller is creating, the kubelet starting them),
// so its write is held back for a short window and the last state of the window is written instead, as a
// controller behind a rate-limited queue would write only the newest state of a busy object.
//
// Why holding back is safe, reader by reader (the full argument: docs/adr/0006-operator-house.md):
// - kstatus (Flux, helm --wait=watcher, kubectl wait): until the first write the API server fills in the
//   CRD's status default, observedGeneration 0, which lags metadata.generation, so the object reads
//   InProgress: true, since the first version is not serving yet. Nothing is ever claimed early: only the
//   write of a state that is still in progress waits; Ready, a failure, a Stalled condition, rollout history
//   or a consumed control annotation are written at once.
// - the HPA and `kubectl scale` read /scale: the HPA takes the current count from spec.replicas and finds
//   pods through status.selector; status.replicas only shows. A selector written at most one window late
//   costs nothing while the first pods are not Ready, and the HPA skips unready pods anyway.
// - the rollout engine plans from status (the candidate and when it started, for its progress deadline):
//   a held-back status is planned from by the next pass (statusFor), so decisions do not drift while the
//   write waits. Another replica taking over has only what was written, and starts the first version's
//   clock again: the deadline can move by at most one window, once.
// - people: `kubectl get md` shows a new object's progress at most one window late, and the Deployment it
//   made is there to see at once (with the Deployment controller's own Events).
// Rollouts after the first version keep writing every step: their status is what a takeover resumes from.

import { CONDITION_TYPES } from '../api/constants.ts';
import type { ModelDeploymentStatus } from '../api/types.ts';
import { findCondition } from '../status/conditions.ts';
import { canonicalJson } from '../util/canonical-json.ts';

/** How long the status of a first version coming up may lag the cluster. */
export const FIRST_VERSION_STATUS_WINDOW_MS = 30_000;

export interface DeferralInput {
  /** The status stored in the API server (the informer's copy, or our own last write). */
  stored: ModelDeploymentStatus | undefined;
  /** The status this pass computed. */
  next: ModelDeploymentStatus;
  /** This pass acted on one-shot annotations: the status recording that must be written before they go. */
  consumedAnnotations: boolean;
  /** When the oldest write still held back for this object was first held back (now if none). */
  since: number;
  now: number;
  windowMs: number;
}

/**
 * Whether the write of `next` may wait: only while the first version is still coming up with nothing
 * wrong, and only within the window. Pure.
 */
export function mayDefer(input: DeferralInput): boolean {
  const { stored, next } = input;
  if (input.consumedAnnotations || input.now - input.since >= input.windowMs) return false;
  // After the first version the status is the rollout's record: every decision is written when made.
  if (stored?.stableRevision || next.stableRevision || stored?.history?.length || next.history?.length) return false;
  if (!next.canaryRevision || next.canaryRevision.hash !== (stored?.canaryRevision?.hash ?? next.canaryRevision.hash)) return false;
  // Still in progress and nothing for a person to see: a Stalled or failed state is written at once.
  const reconciling = findCondition(next.conditions, CONDITION_TYPES.reconciling)?.status === 'True';
  const stalled = findCondition(next.conditions, CONDITION_TYPES.stalled)?.status === 'True';
  const ready = findCondition(next.conditions, CONDITION_TYPES.ready)?.status === 'True';
  return reconciling && !stalled && !ready;
}

interface Held {
  status: ModelDeploymentStatus;
  /** The stored status it was computed over: once that changes, the held one is stale. */
  over: string;
  since: number;
}

/** The held-back statuses, per ModelDeployment key. Entries live at most one window (the pass requeues). */
export class StatusCoalescer {
  private readonly held = new Map<string, Held>();
  private readonly windowMs: number;
  private readonly now: () => number;

  constructor(windowMs = FIRST_VERSION_STATUS_WINDOW_MS, now: () => number = Date.now) {
    this.windowMs = windowMs;
    this.now = now;
  }

  /** The status to plan from: our held-back decision while the stored status is still the one it was made over. */
  statusFor(key: string, stored: ModelDeploymentStatus | undefined): ModelDeploymentStatus | undefined {
    const held = this.held.get(key);
    if (!held) return stored;
    if (held.over !== canonicalJson(stored ?? {})) {
      this.held.delete(key);
      return stored;
    }
    return held.status;
  }

  /**
   * Holds `next` back and returns how soon the object must be reconciled again to write it, or returns
   * undefined: write it now.
   */
  hold(key: string, stored: ModelDeploymentStatus | undefined, next: ModelDeploymentStatus, consumedAnnotations: boolean): number | undefined {
    const now = this.now();
    const since = this.held.get(key)?.since ?? now;
    if (!mayDefer({ stored, next, consumedAnnotations, since, now, windowMs: this.windowMs })) {
      this.held.delete(key);
      return undefined;
    }
    this.held.set(key, { status: next, over: canonicalJson(stored ?? {}), since });
    return Math.max(1, since + this.windowMs - now);
  }

  /** Nothing left to write (the stored status says it all, or the object is gone). */
  forget(key: string): void {
    this.held.delete(key);
  }

  get size(): number {
    return this.held.size;
  }
}
