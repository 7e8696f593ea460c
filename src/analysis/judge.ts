// Judging a candidate revision from what its pods (and the stable revision's pods) served in one analysis
// interval, and keeping the tally in status.analysis. Pure: the scraper supplies the counts.

import type { Analysis, AnalysisMeasurement, AnalysisStatus } from '../api/types.ts';
import { rfc3339 } from '../status/conditions.ts';
import type { RequestCounters } from './runtime-metrics.ts';
import { histogramQuantile } from './runtime-metrics.ts';

/** At most this many measurements stay in status (the schema's maxItems). */
const MAX_MEASUREMENTS = 10;

export type Thresholds = Pick<Analysis, 'maxErrorRate' | 'maxP99LatencyMs' | 'maxP99LatencyRatio'> & { minRequests: number };

/** Requests each revision served during one interval. */
export interface Window {
  candidate: RequestCounters;
  /** The stable revision over the same interval; absent when it has no pods to compare with. */
  stable?: RequestCounters;
}

/**
 * One measurement of the candidate:
 * - Inconclusive when it served fewer than minRequests (too little to judge), or when the only threshold is
 *   relative to stable and stable served too little to compare with;
 * - Failed when a threshold is exceeded: error rate (5xx / all) above maxErrorRate, p99 above
 *   maxP99LatencyMs, or p99 above maxP99LatencyRatio × stable's p99;
 * - Successful otherwise.
 */
export function judge(window: Window, t: Thresholds, now: Date): AnalysisMeasurement {
  const c = window.candidate;
  const time = rfc3339(now);
  const requests = Math.round(c.requests);
  const errorRate = c.requests > 0 ? c.errors / c.requests : undefined;
  const p99 = seconds2ms(histogramQuantile(0.99, c.buckets));
  const stableP99 = window.stable && window.stable.requests >= t.minRequests ? seconds2ms(histogramQuantile(0.99, window.stable.buckets)) : undefined;
  const numbers = {
    requests,
    ...(errorRate !== undefined ? { errorRate: round(errorRate, 6) } : {}),
    ...(p99 !== undefined ? { p99LatencyMs: round(p99, 3) } : {}),
    ...(stableP99 !== undefined ? { stableP99LatencyMs: round(stableP99, 3) } : {}),
  };
  if (requests < t.minRequests) {
    return { time, phase: 'Inconclusive', ...numbers, message: `${requests} requests, fewer than minRequests ${t.minRequests}` };
  }
  const failures: string[] = [];
  if (t.maxErrorRate !== undefined && errorRate !== undefined && errorRate > t.maxErrorRate) {
    failures.push(`error rate ${percent(errorRate)} above maxErrorRate ${percent(t.maxErrorRate)} (${Math.round(c.errors)} of ${requests} requests answered 5xx)`);
  }
  if (t.maxP99LatencyMs !== undefined && p99 !== undefined && p99 > t.maxP99LatencyMs) {
    failures.push(`p99 latency ${fmtMs(p99)} above maxP99LatencyMs ${t.maxP99LatencyMs}ms`);
  }
  let ratioUnknown = false;
  if (t.maxP99LatencyRatio !== undefined) {
    if (p99 === undefined || stableP99 === undefined || stableP99 <= 0) ratioUnknown = true;
    else if (p99 > t.maxP99LatencyRatio * stableP99) {
      failures.push(`p99 latency ${fmtMs(p99)} above ${t.maxP99LatencyRatio} × stable's ${fmtMs(stableP99)}`);
    }
  }
  if (failures.length > 0) return { time, phase: 'Failed', ...numbers, message: truncate(failures.join('; '), 1024) };
  const onlyRatio = t.maxErrorRate === undefined && t.maxP99LatencyMs === undefined;
  if (ratioUnknown && onlyRatio) {
    return { time, phase: 'Inconclusive', ...numbers, message: `stable served fewer than minRequests ${t.minRequests}: no p99 to compare with` };
  }
  return { time, phase: 'Successful', ...numbers, message: summary(numbers) };
}

/** A fresh tally for a candidate revision. */
export function startAnalysis(hash: string): AnalysisStatus {
  return { hash, phase: 'Running', successful: 0, failed: 0, inconclusive: 0, measurements: [] };
}

/**
 * The tally with one more measurement: counts, the newest measurements, and the phase, which becomes
 * Failed once more than failureLimit measurements failed. A finished tally does not change any more.
 */
export function recordMeasurement(tally: AnalysisStatus, m: AnalysisMeasurement, failureLimit: number): AnalysisStatus {
  if (tally.phase !== 'Running') return tally;
  const next: AnalysisStatus = {
    ...tally,
    successful: tally.successful + (m.phase === 'Successful' ? 1 : 0),
    failed: tally.failed + (m.phase === 'Failed' ? 1 : 0),
    inconclusive: tally.inconclusive + (m.phase === 'Inconclusive' ? 1 : 0),
    measurements: [...(tally.measurements ?? []), m].slice(-MAX_MEASUREMENTS),
  };
  if (next.failed > failureLimit) next.phase = 'Failed';
  return next;
}

/** The newest measurement, if any. */
export function latestMeasurement(tally: AnalysisStatus | undefined): AnalysisMeasurement | undefined {
  return tally?.measurements?.at(-1);
}

function seconds2ms(s: number | undefined): number | undefined {
  return s === undefined ? undefined : s * 1000;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function percent(x: number): string {
  return `${round(x * 100, 2)}%`;
}

function fmtMs(ms: number): string {
  return `${round(ms, 1)}ms`;
}

function summary(n: { requests: number; errorRate?: number; p99LatencyMs?: number }): string {
  const parts = [`${n.requests} requests`];
  if (n.errorRate !== undefined) parts.push(`error rate ${percent(n.errorRate)}`);
  if (n.p99LatencyMs !== undefined) parts.push(`p99 ${fmtMs(n.p99LatencyMs)}`);
  return parts.join(', ');
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 3)}...`;
}
