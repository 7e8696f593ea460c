// What analysis reads from one runtime pod's /metrics (ADR 0001: modelship_requests_total and
// modelship_request_duration_seconds), and the arithmetic on it: deltas between two scrapes, sums over the
// pods of a revision, and the 99th percentile from histogram buckets.

import type { MetricFamily } from './prometheus.ts';

export const REQUESTS_TOTAL = 'modelship_requests_total';
export const REQUEST_DURATION = 'modelship_request_duration_seconds';

/** Cumulative counters of one pod at one moment, summed over protocols. */
export interface RequestCounters {
  /** Inference requests judged: answered 2xx or 5xx (see isJudged). */
  requests: number;
  /** Of those, answered with a 5xx status. */
  errors: number;
  /** Cumulative latency histogram: upper bound in seconds (Infinity for +Inf) → requests at or below it. */
  buckets: Map<number, number>;
}

export function emptyCounters(): RequestCounters {
  return { requests: 0, errors: 0, buckets: new Map() };
}

/** The runtime's request counters from a parsed exposition. Missing metrics read as zero (no request yet). */
export function requestCounters(families: Map<string, MetricFamily>): RequestCounters {
  const out = emptyCounters();
  for (const s of families.get(REQUESTS_TOTAL)?.samples ?? []) {
    if (s.name !== REQUESTS_TOTAL || !Number.isFinite(s.value) || !isJudged(s.labels.code)) continue;
    out.requests += s.value;
    if (/^5\d\d$/.test(s.labels.code ?? '')) out.errors += s.value;
  }
  for (const s of families.get(REQUEST_DURATION)?.samples ?? []) {
    if (s.name !== `${REQUEST_DURATION}_bucket` || !Number.isFinite(s.value)) continue;
    const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
    if (Number.isNaN(le)) continue;
    out.buckets.set(le, (out.buckets.get(le) ?? 0) + s.value);
  }
  return out;
}

/**
 * Which answers the analysis judges: the model's successes (2xx) and the server's failures (5xx). A 4xx is
 * the client's doing (bad input, a missing token, an unknown model, a request over the limits, or 429 when
 * the queue is full, which says more about the load than about the version): counting it would let anyone
 * who can reach the Service dilute a failing candidate's error rate with cheap bad requests. The runtime
 * keeps requests rejected before reaching the model out of this counter altogether
 * (modelship_rejected_requests_total); this filter also covers runtimes that predate that split.
 */
export function isJudged(code: string | undefined): boolean {
  return code !== undefined && /^[25]\d\d$/.test(code);
}

/**
 * What happened between two scrapes of the same pod. A counter that went down means the process restarted
 * (its counters began again at zero), so everything it reports now happened since the earlier scrape.
 */
export function counterDelta(previous: RequestCounters, current: RequestCounters): RequestCounters {
  const reset =
    current.requests < previous.requests ||
    current.errors < previous.errors ||
    [...previous.buckets].some(([le, n]) => (current.buckets.get(le) ?? 0) < n);
  if (reset) return cloneCounters(current);
  const buckets = new Map<number, number>();
  for (const [le, n] of current.buckets) buckets.set(le, n - (previous.buckets.get(le) ?? 0));
  return { requests: current.requests - previous.requests, errors: current.errors - previous.errors, buckets };
}

export function addCounters(a: RequestCounters, b: RequestCounters): RequestCounters {
  const buckets = new Map(a.buckets);
  for (const [le, n] of b.buckets) buckets.set(le, (buckets.get(le) ?? 0) + n);
  return { requests: a.requests + b.requests, errors: a.errors + b.errors, buckets };
}

function cloneCounters(c: RequestCounters): RequestCounters {
  return { requests: c.requests, errors: c.errors, buckets: new Map(c.buckets) };
}

/**
 * The q-quantile of a cumulative histogram, computed the way PromQL's histogram_quantile does: find the
 * bucket the rank falls in and interpolate linearly inside it (the first bucket starts at 0). A rank in the
 * +Inf bucket answers the largest finite bound, since nothing better is known. Undefined when empty.
 */
export function histogramQuantile(q: number, buckets: Map<number, number>): number | undefined {
  const sorted = [...buckets].sort(([a], [b]) => a - b);
  const last = sorted.at(-1);
  if (!last || last[1] <= 0) return undefined;
  // A histogram always ends with +Inf; without it the total is the largest bucket's count.
  const total = last[1];
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const [le, count] of sorted) {
    if (count >= rank) {
      if (le === Infinity) return sorted.length > 1 ? (sorted.at(-2)?.[0] ?? undefined) : undefined;
      const inBucket = count - lowerCount;
      if (inBucket <= 0) return le;
      return lowerBound + (le - lowerBound) * ((rank - lowerCount) / inBucket);
    }
    lowerBound = le;
    lowerCount = count;
  }
  return undefined;
}
