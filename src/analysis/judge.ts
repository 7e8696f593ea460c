// Judging a candidate revision from what its pods (and the stable revision's pods) served in one analysis
// interval, and keeping the tally in status.analysis. Pure: the scraper supplies the counts.

import type { AnalysisMeasurement, AnalysisStatus, DefaultedAnalysis } from '../api/types.ts';
import { rfc3339 } from '../status/conditions.ts';
import { checkPredictions } from './prediction-check.ts';
import type { PredictionCounts } from './predictions.ts';
import type { RequestCounters } from './runtime-metrics.ts';
import { histogramQuantile } from './runtime-metrics.ts';

/** At most this many measurements stay in status (the schema's maxItems). */
const MAX_MEASUREMENTS = 10;

export type Thresholds = Pick<DefaultedAnalysis, 'maxErrorRate' | 'maxP99LatencyMs' | 'maxP99LatencyRatio' | 'prediction'> & { minRequests: number };

/** Requests each revision served during one interval, and what each predicted. */
export interface Window {
  candidate: RequestCounters;
  /** The stable revision over the same interval; absent when it has no pods to compare with. */
  stable?: RequestCounters;
  predictions?: { candidate: PredictionCounts; stable?: PredictionCounts };
}

/**
 * One measurement of the candidate, with the stable revision's figures beside it (the A/B view):
 * - Inconclusive when it served fewer than minRequests (too little to judge), or when every threshold set
 *   needs a comparison with stable that this interval cannot give (too little stable traffic, or too few
 *   predicted values for the prediction check);
 * - Failed when a threshold is exceeded: error rate (5xx / all) above maxErrorRate, p99 above
 *   maxP99LatencyMs, p99 above maxP99LatencyRatio × stable's p99, or the prediction shift above its threshold;
 * - Successful otherwise.
 */
export function judge(window: Window, t: Thresholds, now: Date): AnalysisMeasurement {
  const c = window.candidate;
  const time = rfc3339(now);
  const numbers = figures(window, t);
  const { requests, errorRate, p99LatencyMs: p99, stableP99LatencyMs: stableP99 } = numbers;
  const predictions = t.prediction ? checkPredictions(t.prediction, window.predictions?.candidate ?? new Map(), window.predictions?.stable) : undefined;
  const measured = { ...numbers, ...(predictions?.comparison ? { prediction: predictions.comparison } : {}) };
  if (requests < t.minRequests) {
    return { time, phase: 'Inconclusive', ...measured, message: `${requests} requests, fewer than minRequests ${t.minRequests}` };
  }
  const failures: string[] = [];
  if (t.maxErrorRate !== undefined && errorRate !== undefined && errorRate > t.maxErrorRate) {
    failures.push(`error rate ${percent(errorRate)} above maxErrorRate ${percent(t.maxErrorRate)} (${Math.round(c.errors)} of ${requests} requests answered 5xx)`);
  }
  if (t.maxP99LatencyMs !== undefined && p99 !== undefined && p99 > t.maxP99LatencyMs) {
    failures.push(`p99 latency ${fmtMs(p99)} above maxP99LatencyMs ${t.maxP99LatencyMs}ms`);
  }
  const ratioUnknown = t.maxP99LatencyRatio !== undefined && (p99 === undefined || stableP99 === undefined || stableP99 <= 0);
  if (t.maxP99LatencyRatio !== undefined && !ratioUnknown && p99! > t.maxP99LatencyRatio * stableP99!) {
    failures.push(`p99 latency ${fmtMs(p99!)} above ${t.maxP99LatencyRatio} × stable's ${fmtMs(stableP99!)}`);
  }
  if (predictions?.failure) failures.push(predictions.failure);
  if (failures.length > 0) return { time, phase: 'Failed', ...measured, message: truncate(failures.join('; '), 1024) };
  // A prediction check that could not judge (too few values, no summaries from the pods) never lets the
  // other thresholds pass the interval alone: a candidate must not be promoted on a check that never ran.
  if (predictions?.unjudged) return { time, phase: 'Inconclusive', ...measured, message: truncate(predictions.unjudged, 1024) };
  const absolute = t.maxErrorRate !== undefined || t.maxP99LatencyMs !== undefined;
  const relativeJudged = (t.maxP99LatencyRatio !== undefined && !ratioUnknown) || (predictions !== undefined && !predictions.unjudged);
  if (!absolute && !relativeJudged) {
    const why = [ratioUnknown ? `stable served fewer than minRequests ${t.minRequests}: no p99 to compare with` : undefined, predictions?.unjudged].filter(Boolean);
    return { time, phase: 'Inconclusive', ...measured, message: truncate(why.join('; '), 1024) };
  }
  return { time, phase: 'Successful', ...measured, message: summary(numbers, predictions?.comparison?.value) };
}

/** The request figures of both revisions over the interval. */
function figures(window: Window, t: Thresholds) {
  const c = window.candidate;
  const s = window.stable;
  const errorRate = c.requests > 0 ? c.errors / c.requests : undefined;
  const p99 = seconds2ms(histogramQuantile(0.99, c.buckets));
  const p50 = seconds2ms(histogramQuantile(0.5, c.buckets));
  const stableEnough = s !== undefined && s.requests >= t.minRequests;
  const stableP99 = stableEnough ? seconds2ms(histogramQuantile(0.99, s.buckets)) : undefined;
  const stableP50 = stableEnough ? seconds2ms(histogramQuantile(0.5, s.buckets)) : undefined;
  return {
    requests: Math.round(c.requests),
    ...(errorRate !== undefined ? { errorRate: round(errorRate, 6) } : {}),
    ...(p99 !== undefined ? { p99LatencyMs: round(p99, 3) } : {}),
    ...(stableP99 !== undefined ? { stableP99LatencyMs: round(stableP99, 3) } : {}),
    ...(p50 !== undefined ? { p50LatencyMs: round(p50, 3) } : {}),
    ...(s !== undefined ? { stableRequests: Math.round(s.requests) } : {}),
    ...(s !== undefined && s.requests > 0 ? { stableErrorRate: round(s.errors / s.requests, 6) } : {}),
    ...(stableP50 !== undefined ? { stableP50LatencyMs: round(stableP50, 3) } : {}),
  };
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
    totals: addTotals(tally.totals, m),
  };
  if (next.failed > failureLimit) next.phase = 'Failed';
  return next;
}

/** Running sums of both revisions' requests and errors. Errors come back from the rounded rate exactly below a million requests. */
function addTotals(t: AnalysisStatus['totals'], m: AnalysisMeasurement): NonNullable<AnalysisStatus['totals']> {
  const stableRequests = m.stableRequests ?? 0;
  return {
    requests: (t?.requests ?? 0) + m.requests,
    errors: (t?.errors ?? 0) + Math.round(m.requests * (m.errorRate ?? 0)),
    stableRequests: (t?.stableRequests ?? 0) + stableRequests,
    stableErrors: (t?.stableErrors ?? 0) + Math.round(stableRequests * (m.stableErrorRate ?? 0)),
  };
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

function summary(n: { requests: number; errorRate?: number; p99LatencyMs?: number }, shift: number | undefined): string {
  const parts = [`${n.requests} requests`];
  if (n.errorRate !== undefined) parts.push(`error rate ${percent(n.errorRate)}`);
  if (n.p99LatencyMs !== undefined) parts.push(`p99 ${fmtMs(n.p99LatencyMs)}`);
  if (shift !== undefined) parts.push(`prediction shift ${shift}`);
  return parts.join(', ');
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 3)}...`;
}
