// Built-in analysis at the edge: read the runtime pods' /metrics over their pod IPs (no Prometheus), keep
// the previous scrape of each pod in memory, and turn the difference into one measurement per interval.
//
// Only the baseline lives in memory. What analysis has concluded (the counts, the measurements, the
// verdict) is in status.analysis, so a restarted operator continues the same analysis; it only needs one
// interval to take a new baseline before its next measurement.

import type { AnalysisMeasurement } from '../api/types.ts';
import type { Thresholds } from './judge.ts';
import { judge } from './judge.ts';
import { parseExposition } from './prometheus.ts';
import type { MetricFamily } from './prometheus.ts';
import type { PredictionCounts } from './predictions.ts';
import { addPredictions, predictionCounts, predictionDelta } from './predictions.ts';
import type { RequestCounters } from './runtime-metrics.ts';
import { addCounters, counterDelta, emptyCounters, requestCounters } from './runtime-metrics.ts';

/** A Ready runtime pod to scrape. */
export interface PodTarget {
  uid: string;
  name: string;
  /** host:port of the runtime's HTTP port. */
  hostPort: string;
  /** The revision hash the pod runs (its modelship.io/revision label). */
  revision: string;
}

export interface MeasureRequest {
  candidate: string;
  stable?: string;
  intervalMs: number;
  thresholds: Thresholds;
  /** Ready pods of the candidate and of the stable revision. */
  pods: PodTarget[];
}

export interface MeasureResult {
  /** A new measurement, when an interval has passed since the last scrape. */
  measurement?: AnalysisMeasurement;
  /** When the next measurement is due. */
  nextInMs: number;
  /** Pods whose /metrics could not be read this time, with why. */
  scrapeErrors: string[];
}

export interface ScraperOptions {
  fetch?: typeof globalThis.fetch;
  now?: () => number;
  timeoutMs?: number;
}

/** What one pod's /metrics said: its request counters and its prediction summaries. */
interface PodCounts {
  requests: RequestCounters;
  predictions: PredictionCounts;
}

/** One revision's counts over the interval, summed over its pods. */
interface RevisionWindow {
  requests: RequestCounters;
  predictions: PredictionCounts;
}

interface Baseline {
  candidate: string;
  at: number;
  pods: Map<string, PodCounts>;
}

export class MetricsScraper {
  private readonly baselines = new Map<string, Baseline>();
  private readonly fetch: typeof globalThis.fetch;
  private readonly now: () => number;
  private readonly timeoutMs: number;

  constructor(opts: ScraperOptions = {}) {
    this.fetch = opts.fetch ?? globalThis.fetch;
    this.now = opts.now ?? Date.now;
    this.timeoutMs = opts.timeoutMs ?? 2000;
  }

  /**
   * Scrapes when an interval has passed since the last scrape for `key` (a ModelDeployment), and measures
   * the candidate over that interval. The first scrape of a candidate only takes the baseline.
   */
  async measure(key: string, req: MeasureRequest): Promise<MeasureResult> {
    const started = this.now();
    const previous = this.baselines.get(key);
    const samePrevious = previous?.candidate === req.candidate ? previous : undefined;
    if (samePrevious && started - samePrevious.at < req.intervalMs) {
      return { nextInMs: req.intervalMs - (started - samePrevious.at), scrapeErrors: [] };
    }
    const wanted = req.pods.filter((p) => p.revision === req.candidate || (req.stable !== undefined && p.revision === req.stable));
    const scrapeErrors: string[] = [];
    const current = new Map<string, PodCounts>();
    await Promise.all(
      wanted.map(async (pod) => {
        try {
          current.set(pod.uid, await this.scrape(pod));
        } catch (err) {
          scrapeErrors.push(`${pod.name}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }),
    );
    this.baselines.set(key, { candidate: req.candidate, at: started, pods: current });
    if (!samePrevious) return { nextInMs: req.intervalMs, scrapeErrors };

    const { candidate, stable } = windows(wanted, req, samePrevious.pods, current);
    const window = {
      candidate: candidate.requests,
      ...(stable ? { stable: stable.requests } : {}),
      predictions: { candidate: candidate.predictions, ...(stable ? { stable: stable.predictions } : {}) },
    };
    const measurement = judge(window, req.thresholds, new Date(started));
    if (scrapeErrors.length > 0) measurement.message = `${measurement.message ?? ''} (could not read ${scrapeErrors.length} pod(s))`.trim();
    return { measurement, nextInMs: req.intervalMs, scrapeErrors };
  }

  /** Drops the baseline of a ModelDeployment whose rollout ended or which is gone. */
  forget(key: string): void {
    this.baselines.delete(key);
  }

  private async scrape(pod: PodTarget): Promise<PodCounts> {
    const families = await scrapeExposition(this.fetch, pod.hostPort, this.timeoutMs);
    return { requests: requestCounters(families), predictions: predictionCounts(families) };
  }
}

/** One runtime pod's /metrics, parsed: what rollout analysis and the custom-metrics adapter both read. */
export async function scrapeExposition(fetch: typeof globalThis.fetch, hostPort: string, timeoutMs: number): Promise<Map<string, MetricFamily>> {
  const res = await fetch(`http://${hostPort}/metrics`, { signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new Error(`/metrics answered ${res.status}`);
  return parseExposition(await res.text());
}

/**
 * The candidate's and the stable revision's counts over the interval. A pod we did not see last time
 * started since (or could not be read then): all it counted is new.
 */
function windows(pods: PodTarget[], req: MeasureRequest, previous: Map<string, PodCounts>, current: Map<string, PodCounts>): { candidate: RevisionWindow; stable?: RevisionWindow } {
  const candidate: RevisionWindow = { requests: emptyCounters(), predictions: new Map() };
  let stable: RevisionWindow | undefined;
  for (const pod of pods) {
    const now = current.get(pod.uid);
    if (!now) continue;
    const before = previous.get(pod.uid);
    const requests = counterDelta(before?.requests ?? emptyCounters(), now.requests);
    const predictions = predictionDelta(before?.predictions ?? new Map(), now.predictions);
    const into = pod.revision === req.candidate ? candidate : (stable ??= { requests: emptyCounters(), predictions: new Map() });
    into.requests = addCounters(into.requests, requests);
    into.predictions = addPredictions(into.predictions, predictions);
  }
  return { candidate, ...(stable ? { stable } : {}) };
}
