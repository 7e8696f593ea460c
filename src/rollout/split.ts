// Weight as replicas. Without a mesh, a Service spreads requests evenly over its ready endpoints, so the
// share of traffic a revision gets is its share of ready pods. The operator splits the ModelDeployment's
// replica total (spec.replicas, which /scale and an HPA drive) across the stable and candidate revisions.

export interface Split {
  candidate: number;
  stable: number;
}

/**
 * The replica split for `weight` percent of `total`.
 *
 * Both sides round up: candidate = ceil(total × w), stable = ceil(total × (1 − w)). When total × w is a
 * whole number the split is exact and adds up to total; otherwise it adds up to total + 1, and the
 * candidate's share of pods, candidate / (candidate + stable), is within 1 / (total + 1) of the weight.
 * Rounding up on both sides means a small weight still gets one pod (a 10% canary of 1 replica runs 1
 * canary pod beside 1 stable pod), and stable never gets less than its share.
 *
 * Weight 0 is all stable; weight 100 is all candidate.
 */
export function splitReplicas(total: number, weight: number): Split {
  const n = Math.max(0, Math.floor(total));
  const w = Math.min(100, Math.max(0, weight));
  if (w === 0 || n === 0) return { candidate: 0, stable: n };
  if (w === 100) return { candidate: n, stable: 0 };
  // Integer arithmetic: 3 × 10 / 100 must not become 0.30000000000000004 and round up to 1 by accident.
  return { candidate: Math.ceil((n * w) / 100 - 1e-9), stable: Math.ceil((n * (100 - w)) / 100 - 1e-9) };
}

/**
 * How far the candidate's share of pods may be from its weight with `total` replicas: 1 / (total + 1), or
 * 0 when the split is exact. Tests use it to judge a traffic split.
 */
export function splitTolerance(total: number, weight: number): number {
  const { candidate, stable } = splitReplicas(total, weight);
  if (candidate + stable === 0) return 0;
  return Math.abs(candidate / (candidate + stable) - weight / 100);
}

/**
 * Stable's replicas while the candidate moves to `split`: never fewer than the split gives it, and never
 * fewer than what the candidate's Ready pods do not yet cover. So while canary pods start, stable keeps
 * carrying the traffic, and it shrinks only as Ready canary pods take their share.
 */
export function stableReplicas(total: number, split: Split, candidateReady: number): number {
  const n = Math.max(0, Math.floor(total));
  return Math.min(n, Math.max(split.stable, n - Math.max(0, candidateReady)));
}

/** The candidate's share of Ready pods, in percent (rounded), as status reports it. */
export function realizedWeight(candidateReady: number, stableReady: number): number {
  const total = candidateReady + stableReady;
  return total === 0 ? 0 : Math.round((100 * candidateReady) / total);
}
