import { ANNOTATIONS } from '../../api/constants.ts';
import { promote, rollback } from '../outcomes.ts';
import type { Pass } from '../pass.ts';
import { stableReplicas } from '../split.ts';
import { REASONS } from '../types.ts';

/**
 * RollingUpdate with the Deployment controller's rules (maxSurge 25%, maxUnavailable 0), applied across
 * the two revisions' Deployments: the new one grows by the surge as its pods get Ready, the old one
 * shrinks by exactly the new Ready pods, so Ready capacity never drops below spec.replicas.
 */
export function advanceRolling(p: Pass): void {
  const candidate = p.candidate!;
  const { ready, applied } = p.readiness(candidate.hash);
  const n = p.total;
  const surge = Math.max(1, Math.ceil(n / 4));
  p.candidateReplicas = p.controls.paused ? Math.min(n, applied) : Math.min(n, ready + surge);
  p.stableReplicas = stableReplicas(n, { candidate: n, stable: 0 }, ready);
  if (applied >= n && ready >= n) {
    promote(p, 'rolling');
    return;
  }
  const label = p.label(candidate);
  if (p.controls.paused) {
    p.state = { phase: 'Paused', reason: 'PausedByAnnotation', message: `rolling update of ${label} held by ${ANNOTATIONS.paused}: ${ready}/${n} pods ready` };
    return;
  }
  const left = p.deadlineLeft(candidate.startTime);
  if (left <= 0) {
    rollback(p, 'RolledBack', REASONS.deadline, `${label} did not become available within ${p.in.spec.rollout.progressDeadlineSeconds}s (${ready}/${n} pods ready)`);
    return;
  }
  p.wait(left);
  p.state = { phase: 'Progressing', reason: 'RollingUpdate', message: `rolling out ${label}: ${ready}/${n} pods ready` };
}
