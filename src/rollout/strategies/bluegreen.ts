import { ANNOTATIONS } from '../../api/constants.ts';
import { latestMeasurement } from '../../analysis/judge.ts';
import type { RolloutState } from '../../status/conditions.ts';
import { promote, rollback } from '../outcomes.ts';
import type { Pass } from '../pass.ts';
import { REASONS } from '../types.ts';
import { runCandidateAtFullSize } from './full-size.ts';

/**
 * BlueGreen: the preview runs at full size beside stable and only the preview Service reaches it. Once
 * it is Available (and analysis, if any, passed), it is promoted on request or after
 * autoPromotionSeconds: the main Service switches, and the previous revision keeps running for
 * scaleDownDelaySeconds.
 */
export function advanceBlueGreen(p: Pass): void {
  const { candidate, ready, n, label, available } = runCandidateAtFullSize(p);
  p.analysisWanted = p.analysisEnabled && ready > 0;
  if (!available) {
    startingPreview(p, ready, n, label);
    return;
  }
  candidate.stepStartTime ??= p.nowText;
  const since = Date.parse(candidate.stepStartTime);
  const m = latestMeasurement(p.analysis);
  const passed = !p.analysisEnabled || (m?.phase === 'Successful' && Date.parse(m.time) >= since);
  const promoteBy = p.controls.promote;
  if (promoteBy) {
    p.consume(ANNOTATIONS.promote);
    promote(p, 'bluegreen', `promoted by ${ANNOTATIONS.promote}=${promoteBy}`);
    return;
  }
  const auto = p.in.spec.rollout.blueGreen?.autoPromotionSeconds;
  if (!p.controls.paused && auto !== undefined) {
    const left = since + auto * 1000 - p.now;
    if (left <= 0 && passed) {
      promote(p, 'bluegreen', `promoted automatically after ${auto}s`);
      return;
    }
    if (left > 0) p.wait(left);
  }
  p.state = previewState(p, label, passed, auto);
}

/** The preview is not all Ready yet. */
function startingPreview(p: Pass, ready: number, n: number, label: string): void {
  const candidate = p.candidate!;
  // Only the first time: a preview that was Available and lost pods later (an HPA scaled the total up)
  // did start; it waits for them without a deadline.
  if (!p.controls.paused && candidate.stepStartTime === undefined) {
    const left = p.deadlineLeft(candidate.startTime);
    if (left <= 0) {
      rollback(p, 'RolledBack', REASONS.deadline, `preview of ${label} did not become available within ${p.in.spec.rollout.progressDeadlineSeconds}s (${ready}/${n} pods ready)`);
      return;
    }
    p.wait(left);
  }
  p.state = { phase: p.controls.paused ? 'Paused' : 'Progressing', reason: p.controls.paused ? 'PausedByAnnotation' : 'BlueGreenPreview', message: `starting the preview of ${label}: ${ready}/${n} pods ready` };
}

function previewState(p: Pass, label: string, passed: boolean, auto: number | undefined): RolloutState {
  if (p.controls.paused) {
    return { phase: 'Paused', reason: 'PausedByAnnotation', message: `preview of ${label} is ready and held by ${ANNOTATIONS.paused}` };
  }
  if (!passed) {
    return { phase: 'Progressing', reason: 'WaitingForAnalysis', message: `preview of ${label} is ready behind the preview Service; waiting for a successful analysis measurement` };
  }
  if (auto === undefined) {
    return { phase: 'Paused', reason: 'AwaitingPromotion', message: `preview of ${label} is ready behind the preview Service; set ${ANNOTATIONS.promote} to switch traffic` };
  }
  return { phase: 'Progressing', reason: 'BlueGreenPreview', message: `preview of ${label} is ready; switching traffic ${auto}s after it became available` };
}
