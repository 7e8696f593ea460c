import { ANNOTATIONS } from '../../api/constants.ts';
import { parseDuration } from '../../api/duration.ts';
import type { CanaryRevision, CanaryStep } from '../../api/types.ts';
import { latestMeasurement } from '../../analysis/judge.ts';
import type { RolloutState } from '../../status/conditions.ts';
import { promote, rollback } from '../outcomes.ts';
import type { Pass } from '../pass.ts';
import { splitReplicas, stableReplicas } from '../split.ts';
import { REASONS } from '../types.ts';

/** Where the canary is in its steps during this pass. */
interface Progress {
  step: number;
  stepStart: string;
  waitingForAnalysis: boolean;
}

/**
 * Canary: the candidate walks spec.rollout.steps (setWeight steps size it to the weight's share of
 * spec.replicas, pauses wait for a duration or a person), then grows to full size and is promoted.
 */
export function advanceCanary(p: Pass): void {
  const candidate = p.candidate!;
  const { ready, applied } = p.readiness(candidate.hash);
  const progress: Progress = { step: Math.min(candidate.step ?? 0, p.steps.length), stepStart: candidate.stepStartTime ?? candidate.startTime, waitingForAnalysis: false };
  applyPromotion(p, candidate, progress);
  completeSteps(p, candidate, progress, { ready, applied });

  const { step, stepStart } = progress;
  candidate.step = step;
  candidate.stepStartTime = stepStart;
  const weight = step >= p.steps.length ? 100 : weightAt(p.steps, step);
  const split = splitReplicas(p.total, weight);
  p.candidateReplicas = split.candidate;
  p.stableReplicas = stableReplicas(p.total, split, ready);
  const label = p.label(candidate);

  if (step >= p.steps.length && applied >= p.total && ready >= p.total) {
    promote(p, 'canary');
    return;
  }
  // The deadline judges a step that waits for canary pods (a setWeight step, or the final scale-up). Pods
  // missing later, during a pause (an HPA scaled the total up, a pod was rescheduled), are not the
  // candidate failing to start; a crash-looping one is caught from its pods instead.
  const waitsForPods = step >= p.steps.length || p.steps[step]?.setWeight !== undefined;
  if (ready < split.candidate && waitsForPods && !p.controls.paused) {
    const left = p.deadlineLeft(stepStart);
    if (left <= 0) {
      rollback(p, 'RolledBack', REASONS.deadline, `${label} did not get ${split.candidate} Ready pods within ${p.in.spec.rollout.progressDeadlineSeconds}s (${ready} ready)`);
      return;
    }
    p.wait(left);
  }
  p.analysisWanted = p.analysisEnabled && step < p.steps.length && weight > 0 && ready > 0;
  p.state = canaryState(p, label, progress, `${ready}/${split.candidate} canary pods ready, target weight ${weight}%`);
}

function completeStep(p: Pass, candidate: CanaryRevision, progress: Progress, why: string): void {
  const done = p.steps[progress.step];
  progress.step += 1;
  progress.stepStart = p.nowText;
  const what = done?.setWeight !== undefined ? `weight ${done.setWeight}%` : 'pause';
  p.event('Normal', 'CanaryStepCompleted', `version ${candidate.version}: step ${progress.step}/${p.steps.length} (${what}) ${why}`);
}

/** promote=full skips every step left (and analysis); any other value completes the current step. */
function applyPromotion(p: Pass, candidate: CanaryRevision, progress: Progress): void {
  const promoteBy = p.controls.promote;
  if (!promoteBy) return;
  p.consume(ANNOTATIONS.promote);
  const steps = p.steps;
  if (promoteBy === 'full') {
    if (progress.step < steps.length) p.event('Normal', 'PromotedFull', `${ANNOTATIONS.promote}=full: skipping steps ${progress.step + 1}-${steps.length} and analysis of version ${candidate.version}`);
    progress.step = steps.length;
    progress.stepStart = p.nowText;
  } else if (progress.step < steps.length) {
    completeStep(p, candidate, progress, `promoted by ${ANNOTATIONS.promote}`);
  }
}

/** Completes as many steps as the cluster already allows. */
function completeSteps(p: Pass, candidate: CanaryRevision, progress: Progress, pods: { ready: number; applied: number }): void {
  const steps = p.steps;
  while (progress.step < steps.length && !p.controls.paused) {
    const current = steps[progress.step]!;
    let done = stepDone(p, current, progress.stepStart, pods);
    if (done && progress.step === steps.length - 1 && needsAnalysisGate(p, progress.step)) {
      const m = latestMeasurement(p.analysis);
      if (!(m?.phase === 'Successful' && Date.parse(m.time) >= Date.parse(progress.stepStart))) {
        done = false;
        progress.waitingForAnalysis = true;
      }
    }
    if (!done) break;
    completeStep(p, candidate, progress, current.setWeight !== undefined ? `reached: ${pods.ready} canary pods ready` : 'done');
  }
}

function stepDone(p: Pass, current: CanaryStep, stepStart: string, pods: { ready: number; applied: number }): boolean {
  if (current.setWeight !== undefined) {
    const want = splitReplicas(p.total, current.setWeight).candidate;
    return pods.applied >= want && pods.ready >= want;
  }
  if (current.pause?.duration !== undefined) {
    const left = Date.parse(stepStart) + parseDuration(current.pause.duration) - p.now;
    if (left > 0) p.wait(left);
    return left <= 0;
  }
  return false; // until promoted
}

/** Analysis must pass before the last step completes when it measured real traffic there. */
function needsAnalysisGate(p: Pass, step: number): boolean {
  return p.analysisEnabled && weightAt(p.steps, step) > 0;
}

function canaryState(p: Pass, label: string, progress: Progress, pods: string): RolloutState {
  const { step } = progress;
  const where = step >= p.steps.length ? `promoting ${label}` : `step ${step + 1}/${p.steps.length} of ${label}`;
  const current = p.steps[step];
  if (p.controls.paused) return { phase: 'Paused', reason: 'PausedByAnnotation', message: `${where} held by ${ANNOTATIONS.paused}: ${pods}` };
  if (current && current.pause && current.pause.duration === undefined) {
    return { phase: 'Paused', reason: 'CanaryPaused', message: `${where}: paused until ${ANNOTATIONS.promote} is set; ${pods}` };
  }
  if (progress.waitingForAnalysis) return { phase: 'Progressing', reason: 'WaitingForAnalysis', message: `${where}: waiting for a successful analysis measurement; ${pods}` };
  return { phase: 'Progressing', reason: step >= p.steps.length ? 'Promoting' : 'CanaryStep', message: `${where}: ${pods}` };
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
