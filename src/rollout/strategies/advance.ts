// Moving the candidate one pass further: a failure or a failed analysis rolls it back whatever the
// strategy; otherwise the strategy (or the first revision, or an undo) decides its size and state.

import { ANNOTATIONS } from '../../api/constants.ts';
import type { AnalysisMeasurement } from '../../api/types.ts';
import { recordMeasurement, startAnalysis } from '../../analysis/judge.ts';
import { rollback } from '../outcomes.ts';
import type { Pass } from '../pass.ts';
import { REASONS } from '../types.ts';
import { advanceBlueGreen } from './bluegreen.ts';
import { advanceCanary } from './canary.ts';
import { advanceInitial } from './initial.ts';
import { advanceRolling } from './rolling.ts';
import { advanceUndo } from './undo.ts';

export function advance(p: Pass): void {
  const candidate = p.candidate!;
  const mode = p.mode();
  const failure = p.observed.get(candidate.hash)?.failure;
  if (failure && mode !== 'initial') {
    rollback(p, 'RolledBack', failure.reason, failure.message);
    return;
  }
  if (p.analysisEnabled && (mode === 'canary' || mode === 'bluegreen') && analysisFailed(p)) return;
  // Promotion means something only to the step-wise strategies; elsewhere it is acknowledged and dropped.
  if (p.controls.promote && (mode === 'initial' || mode === 'rolling' || mode === 'undo')) p.consume(ANNOTATIONS.promote);
  switch (mode) {
    case 'initial':
      return advanceInitial(p, failure);
    case 'rolling':
      return advanceRolling(p);
    case 'canary':
      return advanceCanary(p);
    case 'bluegreen':
      return advanceBlueGreen(p);
    case 'undo':
      return advanceUndo(p);
  }
}

/** Records this pass's measurement of the candidate; rolls it back (and says so) when analysis failed. */
function analysisFailed(p: Pass): boolean {
  const candidate = p.candidate!;
  if (p.analysis?.hash !== candidate.hash) p.analysis = startAnalysis(candidate.hash);
  const m = p.in.measurement;
  if (!m || m.hash !== candidate.hash) return false;
  const failureLimit = p.in.spec.rollout.analysis?.failureLimit ?? 0;
  p.analysis = recordMeasurement(p.analysis, m.measurement, failureLimit);
  if (m.measurement.phase === 'Failed') {
    p.event('Warning', 'AnalysisMeasurementFailed', `version ${candidate.version}: ${m.measurement.message ?? 'a threshold was exceeded'} (${p.analysis.failed} failed, failureLimit ${failureLimit})`);
  }
  if (p.analysis.phase !== 'Failed') return false;
  rollback(p, 'RolledBack', failureReason(m.measurement), m.measurement.message ?? 'analysis failed');
  return true;
}

/** PredictionShift when the deciding measurement's predictions moved past the threshold, else AnalysisFailed. */
function failureReason(m: AnalysisMeasurement): string {
  const shift = m.prediction;
  return shift?.value !== undefined && shift.value > shift.threshold ? REASONS.predictionShift : REASONS.analysisFailed;
}
