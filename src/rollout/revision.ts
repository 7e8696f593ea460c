// Revision numbers. A revision's identity (template and hash) and the annotations that carry it on its
// Deployment are in builders/revision.ts; numbers come from the status and those annotations, so a
// restarted operator numbers every revision the same way.

import type { ModelDeploymentStatus } from '../api/types.ts';

/**
 * Every revision number the status or the cluster knows, by hash. A revision keeps its number for life: a
 * retry or an undo reuses it, as `kubectl rollout history` users expect.
 */
export function knownNumbers(status: ModelDeploymentStatus | undefined, deployments: ReadonlyArray<{ hash: string; number?: number }>): Map<string, number> {
  const out = new Map<string, number>();
  const note = (hash: string | undefined, n: number | undefined) => {
    if (hash && n !== undefined && !out.has(hash)) out.set(hash, n);
  };
  note(status?.stableRevision?.hash, status?.stableRevision?.revision);
  note(status?.canaryRevision?.hash, status?.canaryRevision?.revision);
  note(status?.retiringRevision?.hash, status?.retiringRevision?.revision);
  for (const h of [...(status?.history ?? [])].reverse()) note(h.hash, h.revision);
  for (const d of deployments) note(d.hash, d.number);
  return out;
}

/** The number of `hash`: the one it already has, or one more than any number used so far. */
export function numberFor(hash: string, known: Map<string, number>): number {
  const existing = known.get(hash);
  if (existing !== undefined) return existing;
  return Math.max(0, ...known.values()) + 1;
}
