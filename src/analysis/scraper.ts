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

interface Baseline {
  candidate: string;
  at: number;
  pods: Map<string, RequestCounters>;
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
    const current = new Map<string, RequestCounters>();
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

    let candidate = emptyCounters();
    let stable: RequestCounters | undefined;
    for (const pod of wanted) {
      const now = current.get(pod.uid);
      if (!now) continue;
      // A pod we did not see last time started since (or could not be read then): all it counted is new.
      const delta = counterDelta(samePrevious.pods.get(pod.uid) ?? emptyCounters(), now);
      if (pod.revision === req.candidate) candidate = addCounters(candidate, delta);
      else stable = addCounters(stable ?? emptyCounters(), delta);
    }
    const measurement = judge({ candidate, ...(stable ? { stable } : {}) }, req.thresholds, new Date(started));
    if (scrapeErrors.length > 0) measurement.message = `${measurement.message ?? ''} (could not read ${scrapeErrors.length} pod(s))`.trim();
    return { measurement, nextInMs: req.intervalMs, scrapeErrors };
  }

  /** Drops the baseline of a ModelDeployment whose rollout ended or which is gone. */
  forget(key: string): void {
    this.baselines.delete(key);
  }

  private async scrape(pod: PodTarget): Promise<RequestCounters> {
    const res = await this.fetch(`http://${pod.hostPort}/metrics`, { signal: AbortSignal.timeout(this.timeoutMs) });
    if (!res.ok) throw new Error(`/metrics answered ${res.status}`);
    return requestCounters(parseExposition(await res.text()));
  }
}
