// The rollout engine: what happens when spec.model.version changes. One pure function turns what the
// cluster says now (the ModelDeployment's spec, status and annotations, each revision's Deployment and
// pods, and a fresh analysis measurement if one was taken) into what it should say next: how many
// replicas each revision runs, which revision each Service selects, the next status, the Events to
// record, and when to look again. Nothing is remembered between calls, so a restarted operator (or a
// new leader) continues any rollout from the cluster alone. docs/adr/0002-rollouts.md explains the rules.

import { ANNOTATIONS, CONDITION_TYPES } from '../api/constants.ts';
import { parseDuration } from '../api/duration.ts';
import type {
  AnalysisMeasurement,
  AnalysisStatus,
  CanaryRevision,
  CanaryStep,
  DefaultedModelDeploymentSpec,
  HistoryEntry,
  ModelDeploymentStatus,
  RetiringRevision,
  StableRevision,
} from '../api/types.ts';
import type { Thresholds } from '../analysis/judge.ts';
import { latestMeasurement, recordMeasurement, startAnalysis } from '../analysis/judge.ts';
import type { RolloutState } from '../status/conditions.ts';
import { findCondition, rfc3339 } from '../status/conditions.ts';
import type { Controls } from './controls.ts';
import { readControls } from './controls.ts';
import type { ObservedRevision, RevisionFailure } from './observe.ts';
import type { Revision, RevisionTemplate } from '../builders/revision.ts';
import { knownNumbers, numberFor } from './revision.ts';
import { realizedWeight, splitReplicas, stableReplicas } from './split.ts';

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

export interface RevisionPlan {
  hash: string;
  number: number;
  version: string;
  template: RevisionTemplate;
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

interface RevisionRecord {
  hash: string;
  revision: number;
  version: string;
  uri: string;
  sha256?: string;
}

type Mode = 'initial' | 'rolling' | 'canary' | 'bluegreen' | 'undo';

/** Reasons in history and conditions. */
export const REASONS = {
  completed: 'RolloutCompleted',
  deadline: 'ProgressDeadlineExceeded',
  analysisFailed: 'AnalysisFailed',
  abort: 'AbortRequested',
  undo: 'UndoRequested',
  superseded: 'Superseded',
} as const;

export function planRollout(input: RolloutInput): RolloutPlan {
  return new Planner(input).run();
}

class Planner {
  private readonly in: RolloutInput;
  private readonly now: number;
  private readonly nowText: string;
  private readonly total: number;
  private readonly controls: Controls;
  private readonly observed: Map<string, ObservedRevision>;
  private readonly numbers: Map<string, number>;
  private readonly steps: readonly CanaryStep[];
  private readonly analysisEnabled: boolean;
  private readonly deadlineMs: number;

  private stable: StableRevision | undefined;
  private candidate: CanaryRevision | undefined;
  private retiring: RetiringRevision | undefined;
  private analysis: AnalysisStatus | undefined;
  private history: HistoryEntry[];
  private held = false;
  private state: RolloutState = { phase: 'Complete' };
  private candidateReplicas = 0;
  private stableReplicaCount: number;
  private analysisWanted = false;
  private readonly events: RolloutEvent[] = [];
  private readonly consumed = new Set<string>();
  private readonly waits: number[] = [];
  /** Templates known for revisions other than the desired one (undo targets rebuilt from history). */
  private readonly extraTemplates = new Map<string, { template: RevisionTemplate; approximate: boolean }>();

  constructor(input: RolloutInput) {
    this.in = input;
    this.now = input.now.getTime();
    this.nowText = rfc3339(input.now);
    this.total = Math.max(0, input.spec.replicas);
    this.stableReplicaCount = this.total;
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

  run(): RolloutPlan {
    for (const bad of this.controls.invalid) {
      this.consume(bad.key);
      this.event('Warning', 'InvalidAnnotation', `${bad.message}; removed it`);
    }
    this.expireRetiring();
    this.held = this.isHeld();
    this.handleRetry();
    this.handleUndo();
    this.supersedeOrStart();
    this.handleAbort();
    if (this.candidate) this.advance();
    else if (this.controls.promote) this.consume(ANNOTATIONS.promote); // nothing to promote
    return this.result();
  }

  // -------------------------------------------------------------------------------------------------------
  // Decisions before the candidate moves

  /** A BlueGreen predecessor kept running after the switch goes once its delay is over. */
  private expireRetiring(): void {
    if (!this.retiring) return;
    const at = Date.parse(this.retiring.scaleDownTime);
    if (this.retiring.hash === this.stable?.hash || this.retiring.hash === this.candidate?.hash || !(at > this.now)) {
      if (this.retiring.hash !== this.stable?.hash) {
        this.event('Normal', 'RevisionScaledDown', `scaled down version ${this.retiring.version} (revision ${this.retiring.revision}) after the switch`);
      }
      this.retiring = undefined;
    } else {
      this.wait(at - this.now);
    }
  }

  /**
   * The spec's revision was rolled back (or undone) and stays so until the spec changes or a retry is
   * asked for. Read from the cluster: the newest history entry rolled this very revision back, and the
   * status still reports the rollback (Degraded with the same reason). A spec that moved to another
   * version and back is tried again, since reporting anything else in between cleared Degraded.
   */
  private isHeld(): boolean {
    const desired = this.in.desired.hash;
    if (!this.stable) return false;
    // While an undo brings an older revision back, the spec's revision may still be the stable one.
    const undoing = this.candidate !== undefined && this.candidate.hash !== desired;
    if (this.stable.hash === desired && !undoing) return false;
    const last = this.history.at(-1);
    if (!last || last.hash !== desired || last.outcome === 'Promoted') return false;
    const degraded = findCondition(this.in.status?.conditions, CONDITION_TYPES.degraded);
    return degraded?.status === 'True' && degraded.reason === last.reason;
  }

  private handleRetry(): void {
    if (!this.controls.retry) return;
    this.consume(ANNOTATIONS.retry);
    if (this.held && !this.candidate) {
      this.held = false;
      this.event('Normal', 'RetryRequested', `${ANNOTATIONS.retry}: rolling version ${this.in.desired.version} out again`);
    } else if (this.candidate && !this.stable) {
      this.candidate.startTime = this.nowText;
      this.event('Normal', 'RetryRequested', `${ANNOTATIONS.retry}: giving version ${this.candidate.version} another ${this.in.spec.rollout.progressDeadlineSeconds}s to become available`);
    }
  }

  private handleUndo(): void {
    const wanted = this.controls.undo;
    if (wanted === undefined) return;
    this.consume(ANNOTATIONS.undo);
    const target = this.findRevision(wanted);
    if (!target) {
      const known = this.history.map((h) => `${h.revision} (version ${h.version})`).join(', ') || 'none';
      this.event('Warning', 'UndoFailed', `${ANNOTATIONS.undo}: no revision or version "${wanted}" to go back to; known revisions: ${known}`);
      return;
    }
    const desired = this.in.desired;
    const label = `version ${target.version} (revision ${target.revision})`;
    if (target.hash === this.stable?.hash && !this.candidate) {
      if (desired.hash !== target.hash) this.hold(REASONS.undo, `${ANNOTATIONS.undo}: stay on ${label}`);
      this.event('Normal', 'UndoRequested', `${ANNOTATIONS.undo}: ${label} is already serving`);
      return;
    }
    if (this.candidate) {
      const isSpecRollout = this.candidate.hash === desired.hash;
      this.endCandidate(isSpecRollout ? 'RolledBack' : 'Aborted', REASONS.undo, `${ANNOTATIONS.undo}: going back to ${label}`);
    }
    if (target.hash === desired.hash) {
      // Undoing to the spec's own revision is a retry of it.
      this.held = false;
      return;
    }
    if (target.hash !== this.stable?.hash) {
      this.hold(REASONS.undo, `${ANNOTATIONS.undo}: went back to ${label}`);
      this.candidate = this.newCandidate(target);
      this.event('Normal', 'UndoStarted', `${ANNOTATIONS.undo}: rolling back to ${label}`);
    } else {
      this.hold(REASONS.undo, `${ANNOTATIONS.undo}: went back to ${label}`);
      this.event('Normal', 'UndoCompleted', `${ANNOTATIONS.undo}: traffic is back on ${label}`);
    }
  }

  /** A revision by number, else by model version (newest first), among those the cluster still knows. */
  private findRevision(wanted: string): RevisionRecord | undefined {
    const records: RevisionRecord[] = [
      ...[...this.history].reverse(),
      ...(this.stable?.uri ? [this.stable as StableRevision & { uri: string }] : []),
      ...(this.retiring?.uri ? [this.retiring as RetiringRevision & { uri: string }] : []),
    ];
    for (const o of this.observed.values()) {
      if (o.template && o.number !== undefined) {
        const { uri, sha256, version } = o.template.model;
        records.push({ hash: o.hash, revision: o.number, version, uri, ...(sha256 ? { sha256 } : {}) });
      }
    }
    const byNumber = /^[0-9]+$/.test(wanted) ? records.find((r) => r.revision === Number(wanted)) : undefined;
    const found = byNumber ?? records.find((r) => r.version === wanted);
    if (!found) return undefined;
    if (!this.templateOf(found.hash)) {
      // Its Deployment is gone: run the recorded model with the spec's current runtime settings.
      const template: RevisionTemplate = {
        model: { ...this.in.desired.template.model, version: found.version, uri: found.uri, ...(found.sha256 ? { sha256: found.sha256 } : {}) },
        runtime: this.in.desired.template.runtime,
      };
      if (!found.sha256) delete template.model.sha256;
      this.extraTemplates.set(found.hash, { template, approximate: true });
    }
    return { hash: found.hash, revision: found.revision, version: found.version, uri: found.uri, ...(found.sha256 ? { sha256: found.sha256 } : {}) };
  }

  /** A spec change ends the rollout in flight; a spec that differs from stable starts one. */
  private supersedeOrStart(): void {
    const desired = this.in.desired;
    if (this.candidate && this.candidate.hash !== desired.hash && !this.held) {
      this.endCandidate('Aborted', REASONS.superseded, `the spec changed to version ${desired.version} before version ${this.candidate.version} finished rolling out`);
    }
    if (!this.candidate && desired.hash !== this.stable?.hash && !this.held) {
      this.candidate = this.newCandidate({ ...desired, revision: numberFor(desired.hash, this.numbers) });
      const how = this.stable ? `${this.in.spec.rollout.strategy} from version ${this.stable.version} (revision ${this.stable.revision})` : 'first revision';
      this.event('Normal', 'RolloutStarted', `rolling out version ${desired.version} (revision ${this.candidate.revision}, ${desired.hash}): ${how}`);
    }
  }

  private handleAbort(): void {
    if (!this.controls.abort) return;
    this.consume(ANNOTATIONS.abort);
    if (!this.candidate) return;
    if (!this.stable) {
      this.event('Warning', 'AbortIgnored', `${ANNOTATIONS.abort}: version ${this.candidate.version} is the first revision; there is no stable revision to go back to`);
      return;
    }
    this.rollback('Aborted', REASONS.abort, `${ANNOTATIONS.abort} was set`);
  }

  // -------------------------------------------------------------------------------------------------------
  // Moving the candidate

  private mode(): Mode {
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

  private advance(): void {
    const candidate = this.candidate!;
    const mode = this.mode();
    const c = this.observed.get(candidate.hash);
    const failure = c?.failure;
    if (failure && mode !== 'initial') {
      this.rollback('RolledBack', failure.reason, failure.message);
      return;
    }
    if (this.analysisEnabled && (mode === 'canary' || mode === 'bluegreen')) {
      if (this.analysis?.hash !== candidate.hash) this.analysis = startAnalysis(candidate.hash);
      const m = this.in.measurement;
      if (m && m.hash === candidate.hash) {
        this.analysis = recordMeasurement(this.analysis, m.measurement, this.in.spec.rollout.analysis?.failureLimit ?? 0);
        if (m.measurement.phase === 'Failed') {
          this.event('Warning', 'AnalysisMeasurementFailed', `version ${candidate.version}: ${m.measurement.message ?? 'a threshold was exceeded'} (${this.analysis.failed} failed, failureLimit ${this.in.spec.rollout.analysis?.failureLimit ?? 0})`);
        }
        if (this.analysis.phase === 'Failed') {
          this.rollback('RolledBack', REASONS.analysisFailed, m.measurement.message ?? 'analysis failed');
          return;
        }
      }
    }
    // Promotion means something only to the step-wise strategies; elsewhere it is acknowledged and dropped.
    if (this.controls.promote && (mode === 'initial' || mode === 'rolling' || mode === 'undo')) this.consume(ANNOTATIONS.promote);
    switch (mode) {
      case 'initial':
        return this.advanceInitial(failure);
      case 'rolling':
        return this.advanceRolling();
      case 'canary':
        return this.advanceCanary();
      case 'bluegreen':
        return this.advanceBlueGreen();
      case 'undo':
        return this.advanceUndo();
    }
  }

  /** The first revision: no traffic to protect, so it starts at full size. */
  private advanceInitial(failure: RevisionFailure | undefined): void {
    const candidate = this.candidate!;
    const { ready, applied } = this.readiness(candidate.hash);
    this.candidateReplicas = this.total;
    this.stableReplicaCount = 0;
    if (applied >= this.total && ready >= this.total) {
      this.promote('initial');
      return;
    }
    const label = this.label(candidate);
    const progress = `${ready}/${this.total} pods ready`;
    if (failure) {
      this.state = { phase: 'Failed', reason: failure.reason, message: `${label} cannot start: ${failure.message}` };
      return;
    }
    const left = this.deadlineLeft(candidate.startTime);
    if (left <= 0) {
      this.state = { phase: 'Failed', reason: REASONS.deadline, message: `${label} did not become available within ${this.in.spec.rollout.progressDeadlineSeconds}s: ${progress}` };
      return;
    }
    this.wait(left);
    this.state = { phase: 'Progressing', reason: 'Creating', message: `creating ${label}: ${progress}` };
  }

  /**
   * RollingUpdate with the Deployment controller's rules (maxSurge 25%, maxUnavailable 0), applied across
   * the two revisions' Deployments: the new one grows by the surge as its pods get Ready, the old one
   * shrinks by exactly the new Ready pods, so Ready capacity never drops below spec.replicas.
   */
  private advanceRolling(): void {
    const candidate = this.candidate!;
    const { ready, applied } = this.readiness(candidate.hash);
    const n = this.total;
    const surge = Math.max(1, Math.ceil(n / 4));
    this.candidateReplicas = this.controls.paused ? Math.min(n, applied) : Math.min(n, ready + surge);
    this.stableReplicaCount = stableReplicas(n, { candidate: n, stable: 0 }, ready);
    if (applied >= n && ready >= n) {
      this.promote('rolling');
      return;
    }
    const label = this.label(candidate);
    if (this.controls.paused) {
      this.state = { phase: 'Paused', reason: 'PausedByAnnotation', message: `rolling update of ${label} held by ${ANNOTATIONS.paused}: ${ready}/${n} pods ready` };
      return;
    }
    const left = this.deadlineLeft(candidate.startTime);
    if (left <= 0) {
      this.rollback('RolledBack', REASONS.deadline, `${label} did not become available within ${this.in.spec.rollout.progressDeadlineSeconds}s (${ready}/${n} pods ready)`);
      return;
    }
    this.wait(left);
    this.state = { phase: 'Progressing', reason: 'RollingUpdate', message: `rolling out ${label}: ${ready}/${n} pods ready` };
  }

  private advanceCanary(): void {
    const candidate = this.candidate!;
    const steps = this.steps;
    const { ready, applied } = this.readiness(candidate.hash);
    let step = Math.min(candidate.step ?? 0, steps.length);
    let stepStart = candidate.stepStartTime ?? candidate.startTime;
    let waitingForAnalysis = false;
    const completeStep = (why: string) => {
      const done = steps[step];
      step += 1;
      stepStart = this.nowText;
      const what = done?.setWeight !== undefined ? `weight ${done.setWeight}%` : 'pause';
      this.event('Normal', 'CanaryStepCompleted', `version ${candidate.version}: step ${step}/${steps.length} (${what}) ${why}`);
    };

    const promote = this.controls.promote;
    if (promote) {
      this.consume(ANNOTATIONS.promote);
      if (promote === 'full') {
        if (step < steps.length) this.event('Normal', 'PromotedFull', `${ANNOTATIONS.promote}=full: skipping steps ${step + 1}-${steps.length} and analysis of version ${candidate.version}`);
        step = steps.length;
        stepStart = this.nowText;
      } else if (step < steps.length) {
        completeStep(`promoted by ${ANNOTATIONS.promote}`);
      }
    }

    // Complete as many steps as the cluster already allows.
    while (step < steps.length && !this.controls.paused) {
      const current = steps[step]!;
      let done: boolean;
      if (current.setWeight !== undefined) {
        const want = splitReplicas(this.total, current.setWeight).candidate;
        done = applied >= want && ready >= want;
      } else if (current.pause?.duration !== undefined) {
        const left = Date.parse(stepStart) + parseDuration(current.pause.duration) - this.now;
        done = left <= 0;
        if (!done) this.wait(left);
      } else {
        done = false; // until promoted
      }
      if (done && step === steps.length - 1 && this.needsAnalysisGate(step)) {
        const m = latestMeasurement(this.analysis);
        if (!(m?.phase === 'Successful' && Date.parse(m.time) >= Date.parse(stepStart))) {
          done = false;
          waitingForAnalysis = true;
        }
      }
      if (!done) break;
      completeStep(current.setWeight !== undefined ? `reached: ${ready} canary pods ready` : 'done');
    }

    candidate.step = step;
    candidate.stepStartTime = stepStart;
    const weight = step >= steps.length ? 100 : weightAt(steps, step);
    const split = splitReplicas(this.total, weight);
    this.candidateReplicas = split.candidate;
    this.stableReplicaCount = stableReplicas(this.total, split, ready);
    const label = this.label(candidate);

    if (step >= steps.length && applied >= this.total && ready >= this.total) {
      this.promote('canary');
      return;
    }
    // The deadline judges a step that waits for canary pods (a setWeight step, or the final scale-up). Pods
    // missing later, during a pause (an HPA scaled the total up, a pod was rescheduled), are not the
    // candidate failing to start; a crash-looping one is caught from its pods instead.
    const waitsForPods = step >= steps.length || steps[step]?.setWeight !== undefined;
    const stillStarting = ready < split.candidate;
    if (stillStarting && waitsForPods && !this.controls.paused) {
      const left = this.deadlineLeft(stepStart);
      if (left <= 0) {
        this.rollback('RolledBack', REASONS.deadline, `${label} did not get ${split.candidate} Ready pods within ${this.in.spec.rollout.progressDeadlineSeconds}s (${ready} ready)`);
        return;
      }
      this.wait(left);
    }
    this.analysisWanted = this.analysisEnabled && step < steps.length && weight > 0 && ready > 0;
    const where = step >= steps.length ? `promoting ${label}` : `step ${step + 1}/${steps.length} of ${label}`;
    const pods = `${ready}/${split.candidate} canary pods ready, target weight ${weight}%`;
    const current = steps[step];
    if (this.controls.paused) {
      this.state = { phase: 'Paused', reason: 'PausedByAnnotation', message: `${where} held by ${ANNOTATIONS.paused}: ${pods}` };
    } else if (current && current.pause && current.pause.duration === undefined) {
      this.state = { phase: 'Paused', reason: 'CanaryPaused', message: `${where}: paused until ${ANNOTATIONS.promote} is set; ${pods}` };
    } else if (waitingForAnalysis) {
      this.state = { phase: 'Progressing', reason: 'WaitingForAnalysis', message: `${where}: waiting for a successful analysis measurement; ${pods}` };
    } else {
      this.state = { phase: 'Progressing', reason: step >= steps.length ? 'Promoting' : 'CanaryStep', message: `${where}: ${pods}` };
    }
  }

  /** Analysis must pass before the last step completes when it measured real traffic there. */
  private needsAnalysisGate(step: number): boolean {
    return this.analysisEnabled && weightAt(this.steps, step) > 0;
  }

  /**
   * BlueGreen: the preview runs at full size beside stable and only the preview Service reaches it. Once
   * it is Available (and analysis, if any, passed), it is promoted on request or after
   * autoPromotionSeconds: the main Service switches, and the previous revision keeps running for
   * scaleDownDelaySeconds.
   */
  private advanceBlueGreen(): void {
    const { candidate, ready, n, label, available } = this.runCandidateAtFullSize();
    this.analysisWanted = this.analysisEnabled && ready > 0;
    if (!available) {
      // Only the first time: a preview that was Available and lost pods later (an HPA scaled the total up)
      // did start; it waits for them without a deadline.
      if (!this.controls.paused && candidate.stepStartTime === undefined) {
        const left = this.deadlineLeft(candidate.startTime);
        if (left <= 0) {
          this.rollback('RolledBack', REASONS.deadline, `preview of ${label} did not become available within ${this.in.spec.rollout.progressDeadlineSeconds}s (${ready}/${n} pods ready)`);
          return;
        }
        this.wait(left);
      }
      this.state = { phase: this.controls.paused ? 'Paused' : 'Progressing', reason: this.controls.paused ? 'PausedByAnnotation' : 'BlueGreenPreview', message: `starting the preview of ${label}: ${ready}/${n} pods ready` };
      return;
    }
    candidate.stepStartTime ??= this.nowText;
    const since = Date.parse(candidate.stepStartTime);
    const m = latestMeasurement(this.analysis);
    const passed = !this.analysisEnabled || (m?.phase === 'Successful' && Date.parse(m.time) >= since);
    const promote = this.controls.promote;
    if (promote) {
      this.consume(ANNOTATIONS.promote);
      this.promote('bluegreen', `promoted by ${ANNOTATIONS.promote}=${promote}`);
      return;
    }
    const auto = this.in.spec.rollout.blueGreen?.autoPromotionSeconds;
    if (!this.controls.paused && auto !== undefined) {
      const left = since + auto * 1000 - this.now;
      if (left <= 0 && passed) {
        this.promote('bluegreen', `promoted automatically after ${auto}s`);
        return;
      }
      if (left > 0) this.wait(left);
    }
    if (this.controls.paused) {
      this.state = { phase: 'Paused', reason: 'PausedByAnnotation', message: `preview of ${label} is ready and held by ${ANNOTATIONS.paused}` };
    } else if (!passed) {
      this.state = { phase: 'Progressing', reason: 'WaitingForAnalysis', message: `preview of ${label} is ready behind the preview Service; waiting for a successful analysis measurement` };
    } else if (auto === undefined) {
      this.state = { phase: 'Paused', reason: 'AwaitingPromotion', message: `preview of ${label} is ready behind the preview Service; set ${ANNOTATIONS.promote} to switch traffic` };
    } else {
      this.state = { phase: 'Progressing', reason: 'BlueGreenPreview', message: `preview of ${label} is ready; switching traffic ${auto}s after it became available` };
    }
  }

  /** Blue-green previews and undo both run the candidate at full size beside stable until it is all Ready. */
  private runCandidateAtFullSize() {
    const candidate = this.candidate!;
    const { ready, applied } = this.readiness(candidate.hash);
    const n = this.total;
    this.candidateReplicas = n;
    this.stableReplicaCount = n;
    return { candidate, ready, n, label: this.label(candidate), available: applied >= n && ready >= n };
  }

  /** Undo: bring the old revision back at full size, then move all traffic to it at once. */
  private advanceUndo(): void {
    const { candidate, ready, n, label, available } = this.runCandidateAtFullSize();
    if (available) {
      this.promote('undo');
      return;
    }
    const left = this.deadlineLeft(candidate.startTime);
    if (left <= 0) {
      this.rollback('Aborted', REASONS.deadline, `${label} did not become available within ${this.in.spec.rollout.progressDeadlineSeconds}s`);
      return;
    }
    this.wait(left);
    this.state = { phase: 'RolledBack', reason: REASONS.undo, message: `${ANNOTATIONS.undo}: bringing back ${label}: ${ready}/${n} pods ready` };
  }

  // -------------------------------------------------------------------------------------------------------
  // Outcomes

  private promote(mode: Mode, why?: string): void {
    const candidate = this.candidate!;
    const previous = this.stable;
    this.stable = {
      revision: candidate.revision,
      version: candidate.version,
      hash: candidate.hash,
      ...(candidate.uri ? { uri: candidate.uri } : {}),
      ...(candidate.sha256 ? { sha256: candidate.sha256 } : {}),
    };
    this.candidate = undefined;
    this.candidateReplicas = 0;
    this.stableReplicaCount = this.total;
    if (this.analysis?.hash === candidate.hash && this.analysis.phase === 'Running') this.analysis = { ...this.analysis, phase: 'Successful' };
    const label = this.label(candidate);
    if (mode === 'undo') {
      this.event('Normal', 'UndoCompleted', `${ANNOTATIONS.undo}: ${label} is serving again`);
    } else {
      this.record(candidate, 'Promoted', REASONS.completed, `${label} rolled out${why ? ` (${why})` : ''}`);
      this.event('Normal', 'RolloutCompleted', `${label} is serving${why ? ` (${why})` : ''}`);
    }
    const delay = this.in.spec.rollout.blueGreen?.scaleDownDelaySeconds ?? 0;
    if (mode === 'bluegreen' && previous && delay > 0) {
      this.retiring = {
        ...previous,
        scaleDownTime: rfc3339(new Date(this.now + delay * 1000)),
      };
      this.wait(delay * 1000);
    }
    this.state = this.held ? this.heldState() : { phase: 'Complete' };
  }

  /** Ends the candidate and sends all traffic back to stable. */
  private rollback(outcome: 'RolledBack' | 'Aborted', reason: string, message: string): void {
    const candidate = this.candidate!;
    const undo = this.mode() === 'undo';
    const label = this.label(candidate);
    if (undo) {
      this.candidate = undefined;
      this.event('Warning', 'UndoFailed', `${ANNOTATIONS.undo}: gave up on ${label}: ${message}`);
    } else {
      if (reason === REASONS.analysisFailed && this.analysis?.hash === candidate.hash) this.analysis = { ...this.analysis, phase: 'Failed' };
      this.endCandidate(outcome, reason, message);
      this.held = true;
      const verb = outcome === 'Aborted' ? 'aborted' : 'rolled back';
      this.event(outcome === 'Aborted' ? 'Normal' : 'Warning', outcome === 'Aborted' ? 'RolloutAborted' : 'RolledBack', `${label} ${verb} (${reason}): ${message}; traffic is back on version ${this.stable?.version} (revision ${this.stable?.revision})`);
    }
    this.candidateReplicas = 0;
    this.stableReplicaCount = this.total;
    this.state = this.held ? this.heldState() : { phase: 'Complete' };
  }

  /** Records how the candidate's rollout ended and forgets it; its Deployment is scaled down with the old ones. */
  private endCandidate(outcome: HistoryEntry['outcome'], reason: string, message: string): void {
    const candidate = this.candidate!;
    this.record(candidate, outcome, reason, message);
    this.candidate = undefined;
  }

  /** Makes the spec's revision stay rolled back (see isHeld). */
  private hold(reason: string, message: string): void {
    const desired = this.in.desired;
    const last = this.history.at(-1);
    this.held = true;
    if (last?.hash === desired.hash && last.outcome !== 'Promoted' && last.reason === reason) return;
    this.record({ hash: desired.hash, version: desired.version, uri: desired.uri, revision: numberFor(desired.hash, this.numbers), ...(desired.sha256 ? { sha256: desired.sha256 } : {}) }, 'RolledBack', reason, message);
  }

  private heldState(): RolloutState {
    const last = this.history.at(-1);
    const desired = this.in.desired;
    const n = numberFor(desired.hash, this.numbers);
    const serving = this.stable ? `version ${this.stable.version} (revision ${this.stable.revision}) serves` : 'nothing serves';
    const what = last?.outcome === 'Aborted' ? 'was aborted' : 'was rolled back';
    return {
      phase: 'RolledBack',
      reason: last?.reason ?? 'RolledBack',
      message: `version ${desired.version} (revision ${n}) ${what}${last?.message ? `: ${last.message}` : ''}. ${serving} until the spec changes or ${ANNOTATIONS.retry} is set`,
    };
  }

  private record(r: { hash: string; version: string; revision: number; uri?: string; sha256?: string }, outcome: HistoryEntry['outcome'], reason: string, message: string): void {
    this.history.push({
      revision: r.revision,
      version: r.version,
      hash: r.hash,
      uri: r.uri ?? this.templateOf(r.hash)?.template.model.uri ?? '',
      ...(r.sha256 ? { sha256: r.sha256 } : {}),
      outcome,
      time: this.nowText,
      reason,
      message: truncate(message, 32768),
    });
  }

  // -------------------------------------------------------------------------------------------------------
  // Result

  private result(): RolloutPlan {
    if (!this.candidate && this.state.phase === 'Complete' && this.held) this.state = this.heldState();
    const stableObs = this.stable ? this.observed.get(this.stable.hash) : undefined;
    const candObs = this.candidate ? this.observed.get(this.candidate.hash) : undefined;
    const revisions: RevisionPlan[] = [];
    const planned = new Set<string>();
    const add = (hash: string, replicas: number, role: RevisionRole, version: string) => {
      if (planned.has(hash)) return;
      const t = this.templateOf(hash);
      if (!t) return;
      planned.add(hash);
      revisions.push({ hash, number: numberFor(hash, this.numbers), version, template: t.template, approximate: t.approximate, replicas, role });
      if (t.approximate && replicas > 0) {
        this.event('Warning', 'RevisionRebuilt', `the Deployment of version ${version} (revision ${numberFor(hash, this.numbers)}) is gone; running it again from status.history with the spec's current runtime settings`);
      }
    };
    if (this.stable) add(this.stable.hash, this.candidate ? this.stableReplicaCount : this.total, 'stable', this.stable.version);
    if (this.candidate) add(this.candidate.hash, this.candidateReplicas, 'candidate', this.candidate.version);
    if (this.retiring) add(this.retiring.hash, this.total, 'retiring', this.retiring.version);

    // Older revisions: scaled to zero, the newest revisionHistoryLimit of them kept for undo.
    const old = [...this.observed.values()].filter((o) => !planned.has(o.hash)).sort((a, b) => (b.number ?? 0) - (a.number ?? 0));
    const keep = this.in.spec.revisionHistoryLimit;
    const remove: string[] = [];
    old.forEach((o, i) => {
      if (i < keep && this.templateOf(o.hash)) add(o.hash, 0, 'old', o.template?.model.version ?? o.version ?? '');
      else remove.push(o.hash);
    });

    if (this.candidate) {
      const cReady = candObs?.readyReplicas ?? 0;
      const sReady = stableObs?.readyReplicas ?? 0;
      const bluegreen = this.mode() === 'bluegreen';
      this.candidate.replicas = this.candidateReplicas;
      this.candidate.readyReplicas = cReady;
      this.candidate.weight = bluegreen ? 0 : realizedWeight(cReady, this.stable ? sReady : 0);
      if (this.mode() !== 'canary') delete this.candidate.step;
    }
    if (this.stable) {
      this.stable.replicas = revisions.find((r) => r.hash === this.stable?.hash)?.replicas ?? 0;
      this.stable.readyReplicas = stableObs?.readyReplicas ?? 0;
    }

    const blueGreen = this.in.spec.rollout.strategy === 'BlueGreen';
    const routing: Routing = {
      ...(blueGreen ? { main: this.stable?.hash ?? this.candidate?.hash } : {}),
      stable: this.stable?.hash ?? this.candidate?.hash,
      candidate: this.candidate?.hash ?? this.stable?.hash,
    };

    const servingHashes = routing.main ? [routing.main] : revisions.map((r) => r.hash);
    const readyOf = (hash: string) => this.observed.get(hash)?.readyReplicas ?? 0;
    const totals = {
      replicas: revisions.reduce((sum, r) => sum + r.replicas, 0),
      readyReplicas: revisions.reduce((sum, r) => sum + readyOf(r.hash), 0),
      servingReadyReplicas: servingHashes.reduce((sum, h) => sum + readyOf(h), 0),
    };

    const limit = Math.max(1, this.in.spec.revisionHistoryLimit);
    const status: RolloutStatus = {
      ...(this.stable ? { stableRevision: this.stable } : {}),
      ...(this.candidate ? { canaryRevision: this.candidate } : {}),
      ...(this.retiring ? { retiringRevision: this.retiring } : {}),
      ...(this.analysis ? { analysis: this.analysis } : {}),
      ...(this.history.length ? { history: this.history.slice(-limit) } : {}),
    };

    const a = this.in.spec.rollout.analysis;
    const plan: RolloutPlan = {
      revisions,
      remove,
      routing,
      status,
      state: this.state,
      events: this.events,
      consumed: [...this.consumed],
      totals,
    };
    if (this.analysisWanted && this.candidate && a) {
      plan.analysis = {
        candidate: this.candidate.hash,
        ...(this.stable ? { stable: this.stable.hash } : {}),
        intervalMs: parseDuration(a.interval),
        thresholds: {
          minRequests: a.minRequests,
          ...(a.maxErrorRate !== undefined ? { maxErrorRate: a.maxErrorRate } : {}),
          ...(a.maxP99LatencyMs !== undefined ? { maxP99LatencyMs: a.maxP99LatencyMs } : {}),
          ...(a.maxP99LatencyRatio !== undefined ? { maxP99LatencyRatio: a.maxP99LatencyRatio } : {}),
        },
      };
    }
    if (this.waits.length) plan.requeueAfterMs = Math.max(100, Math.ceil(Math.min(...this.waits)) + 50);
    return plan;
  }

  // -------------------------------------------------------------------------------------------------------
  // Small helpers

  private newCandidate(r: { hash: string; version: string; revision: number; uri?: string; sha256?: string }): CanaryRevision {
    // A retried revision is judged afresh.
    if (this.analysis?.hash === r.hash) this.analysis = undefined;
    const first = this.mode() === 'initial' || this.in.spec.rollout.strategy !== 'Canary';
    return {
      revision: r.revision,
      version: r.version,
      hash: r.hash,
      ...(r.uri ? { uri: r.uri } : {}),
      ...(r.sha256 ? { sha256: r.sha256 } : {}),
      weight: 0,
      ...(first ? {} : { step: 0, stepStartTime: this.nowText }),
      startTime: this.nowText,
    };
  }

  /** Ready pods of a revision, and the replicas its Deployment was last given. */
  private readiness(hash: string): { ready: number; applied: number } {
    const o = this.observed.get(hash);
    return { ready: o?.readyReplicas ?? 0, applied: o?.replicas ?? 0 };
  }

  private templateOf(hash: string): { template: RevisionTemplate; approximate: boolean } | undefined {
    if (hash === this.in.desired.hash) return { template: this.in.desired.template, approximate: false };
    const o = this.observed.get(hash);
    if (o?.template) return { template: o.template, approximate: false };
    const extra = this.extraTemplates.get(hash);
    if (extra) return extra;
    // The Deployment is gone or unreadable: rebuild from what status recorded about the revision.
    const rec = [this.stable, this.retiring, ...[...this.history].reverse()].find((r) => r?.hash === hash);
    if (!rec?.uri) return undefined;
    const base = this.in.desired.template;
    const model: RevisionTemplate['model'] = { ...base.model, version: rec.version, uri: rec.uri };
    if (rec.sha256) model.sha256 = rec.sha256;
    else delete model.sha256;
    return { template: { model, runtime: base.runtime }, approximate: true };
  }

  private deadlineLeft(since: string): number {
    return Date.parse(since) + this.deadlineMs - this.now;
  }

  private label(r: { version: string; revision: number }): string {
    return `version ${r.version} (revision ${r.revision})`;
  }

  private wait(ms: number): void {
    if (ms > 0) this.waits.push(ms);
  }

  private consume(key: string): void {
    this.consumed.add(key);
  }

  private event(type: RolloutEvent['type'], reason: string, message: string): void {
    this.events.push({ type, reason, message });
  }
}

/** The weight in force at `step`: the last setWeight at or before it, 0 before the first. */
export function weightAt(steps: readonly CanaryStep[], step: number): number {
  let weight = 0;
  for (let i = 0; i <= step && i < steps.length; i++) {
    const w = steps[i]?.setWeight;
    if (w !== undefined) weight = w;
  }
  return weight;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 3)}...`;
}
