import type { CanaryRevision } from '../../api/types.ts';
import type { Pass } from '../pass.ts';

/** Blue-green previews and undo both run the candidate at full size beside stable until it is all Ready. */
export function runCandidateAtFullSize(p: Pass): { candidate: CanaryRevision; ready: number; n: number; label: string; available: boolean } {
  const candidate = p.candidate!;
  const { ready, applied } = p.readiness(candidate.hash);
  const n = p.total;
  p.candidateReplicas = n;
  p.stableReplicas = n;
  return { candidate, ready, n, label: p.label(candidate), available: applied >= n && ready >= n };
}
