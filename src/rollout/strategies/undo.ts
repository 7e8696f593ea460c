import { ANNOTATIONS } from '../../api/constants.ts';
import { promote, rollback } from '../outcomes.ts';
import type { Pass } from '../pass.ts';
import { REASONS } from '../types.ts';
import { runCandidateAtFullSize } from './full-size.ts';

/** Undo: bring the old revision back at full size, then move all traffic to it at once. */
export function advanceUndo(p: Pass): void {
  const { candidate, ready, n, label, available } = runCandidateAtFullSize(p);
  if (available) {
    promote(p, 'undo');
    return;
  }
  const left = p.deadlineLeft(candidate.startTime);
  if (left <= 0) {
    rollback(p, 'Aborted', REASONS.deadline, `${label} did not become available within ${p.in.spec.rollout.progressDeadlineSeconds}s`);
    return;
  }
  p.wait(left);
  p.state = { phase: 'RolledBack', reason: REASONS.undo, message: `${ANNOTATIONS.undo}: bringing back ${label}: ${ready}/${n} pods ready` };
}
