import { promote } from '../outcomes.ts';
import type { RevisionFailure } from '../observe.ts';
import type { Pass } from '../pass.ts';
import { REASONS } from '../types.ts';

/** The first revision: no traffic to protect, so it starts at full size. */
export function advanceInitial(p: Pass, failure: RevisionFailure | undefined): void {
  const candidate = p.candidate!;
  const { ready, applied } = p.readiness(candidate.hash);
  p.candidateReplicas = p.total;
  p.stableReplicas = 0;
  if (applied >= p.total && ready >= p.total) {
    promote(p, 'initial');
    return;
  }
  const label = p.label(candidate);
  const progress = `${ready}/${p.total} pods ready`;
  if (failure) {
    p.state = { phase: 'Failed', reason: failure.reason, message: `${label} cannot start: ${failure.message}` };
    return;
  }
  const left = p.deadlineLeft(candidate.startTime);
  if (left <= 0) {
    p.state = { phase: 'Failed', reason: REASONS.deadline, message: `${label} did not become available within ${p.in.spec.rollout.progressDeadlineSeconds}s: ${progress}` };
    return;
  }
  p.wait(left);
  p.state = { phase: 'Progressing', reason: 'Creating', message: `creating ${label}: ${progress}` };
}
