// One pass of the rollout engine: what it read (fixed for the pass), the rollout status it is rewriting, and
// what it has decided so far. The decisions (decisions.ts), the strategies (strategies/) and the outcomes
// (outcomes.ts) all work on one Pass; result.ts turns it into a RolloutPlan.

import type { AnalysisStatus, CanaryRevision, CanaryStep, HistoryEntry, RetiringRevision, StableRevision } from '../api/types.ts';
import type { Revision } from '../builders/revision.ts';
import type { RolloutState } from '../status/conditions.ts';
import { rfc3339 } from '../status/conditions.ts';
import type { Controls } from './controls.ts';
import { readControls } from './controls.ts';
import type { ObservedRevision } from './observe.ts';
import { knownNumbers, rebuiltRevision } from './revision.ts';
import type { Mode, RolloutEvent, RolloutInput } from './types.ts';

/** A revision the pass can run, and whether its template had to be rebuilt from status. */
export interface Runnable {
  revision: Revision;
  approximate: boolean;
}

export class Pass {
  // What the pass read.
  readonly in: RolloutInput;
  readonly now: number;
  readonly nowText: string;
  /** spec.replicas: the pods the ModelDeployment runs when no rollout is in flight. */
  readonly total: number;
  readonly controls: Controls;
  readonly observed: Map<string, ObservedRevision>;
  readonly numbers: Map<string, number>;
  readonly steps: readonly CanaryStep[];
  readonly analysisEnabled: boolean;
  readonly deadlineMs: number;

  // The rollout status being rewritten.
  stable: StableRevision | undefined;
  candidate: CanaryRevision | undefined;
  retiring: RetiringRevision | undefined;
  analysis: AnalysisStatus | undefined;
  history: HistoryEntry[];
  /** The spec's revision stays rolled back (see decisions.ts isHeld). */
  held = false;

  // What the pass decided.
  state: RolloutState = { phase: 'Complete' };
  candidateReplicas = 0;
  stableReplicas: number;
  analysisWanted = false;
  readonly events: RolloutEvent[] = [];
  readonly consumed = new Set<string>();
  readonly waits: number[] = [];
  /** Revisions other than the desired one rebuilt from history (undo targets whose Deployment is gone). */
  readonly rebuilt = new Map<string, Revision>();

  constructor(input: RolloutInput) {
    this.in = input;
    this.now = input.now.getTime();
    this.nowText = rfc3339(input.now);
    this.total = Math.max(0, input.spec.replicas);
    this.stableReplicas = this.total;
    this.controls = readControls(input.annotations);
    this.observed = new Map(input.observed.map((o) => [o.hash, o]));
    this.numbers = knownNumbers(input.status, input.observed);
    const rollout = input.spec.rollout;
    this.steps = rollout.strategy === 'Canary' ? (rollout.steps ?? []) : [];
    this.analysisEnabled = rollout.strategy !== 'RollingUpdate' && rollout.analysis !== undefined;
    this.deadlineMs = rollout.progressDeadlineSeconds * 1000;
    const s = input.status ?? {};
    this.stable = s.stableRevision ? { ...s.stableRevision } : undefined;
    this.candidate = s.canaryRevision ? { ...s.canaryRevision } : undefined;
    this.retiring = s.retiringRevision ? { ...s.retiringRevision } : undefined;
    this.analysis = s.analysis;
    this.history = [...(s.history ?? [])];
  }

  mode(): Mode {
    if (!this.stable) return 'initial';
    if (this.candidate && this.candidate.hash !== this.in.desired.hash) return 'undo';
    switch (this.in.spec.rollout.strategy) {
      case 'Canary':
        return 'canary';
      case 'BlueGreen':
        return 'bluegreen';
      default:
        return 'rolling';
    }
  }

  /** The revision with this hash, from the spec, its Deployment, or (rebuilt) from status. */
  runnable(hash: string): Runnable | undefined {
    const desired = this.in.desired;
    if (hash === desired.hash) return { revision: desired, approximate: false };
    const template = this.observed.get(hash)?.template;
    if (template) return { revision: { hash, template }, approximate: false };
    const rebuilt = this.rebuilt.get(hash);
    if (rebuilt) return { revision: rebuilt, approximate: true };
    // The Deployment is gone or unreadable: rebuild from what status recorded about the revision.
    const rec = [this.stable, this.retiring, ...[...this.history].reverse()].find((r) => r?.hash === hash);
    if (!rec?.uri) return undefined;
    return { revision: rebuiltRevision({ ...rec, uri: rec.uri }, desired), approximate: true };
  }

  /** Ready pods of a revision, and the replicas its Deployment was last given. */
  readiness(hash: string): { ready: number; applied: number } {
    const o = this.observed.get(hash);
    return { ready: o?.readyReplicas ?? 0, applied: o?.replicas ?? 0 };
  }

  deadlineLeft(since: string): number {
    return Date.parse(since) + this.deadlineMs - this.now;
  }

  label(r: { version: string; revision: number }): string {
    return `version ${r.version} (revision ${r.revision})`;
  }

  wait(ms: number): void {
    if (ms > 0) this.waits.push(ms);
  }

  consume(key: string): void {
    this.consumed.add(key);
  }

  event(type: RolloutEvent['type'], reason: string, message: string): void {
    this.events.push({ type, reason, message });
  }
}
