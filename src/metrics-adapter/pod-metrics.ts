// Where the values come from: the Running, Ready runtime pods a label selector picks, each scraped at its
// /metrics (the same scrape rollout analysis does, src/analysis/scraper.ts) with a short timeout. A small
// cache keeps one scrape per pod for a few seconds, so the HPA controller, `kubectl get --raw` and several
// HPAs over the same pods do not multiply the load on the runtime.
import type { MetricFamily } from '../analysis/prometheus.ts';
import { scrapeExposition } from '../analysis/scraper.ts';
import { LABELS, LABEL_VALUES } from '../api/constants.ts';
import { HTTP_PORT } from '../builders/paths.ts';
import type { KubeClient } from '../kube/client.ts';
import type { Pod } from '../kube/endpoints.ts';
import { readyPodEndpoints } from '../kube/endpoints.ts';
import type { KubeList } from '../kube/object.ts';
import type { PodMetricValue } from './documents.ts';

/** The runtime gauges served (runtime/metric-families.ts): what a model team scales on. */
export const SERVED_METRICS = ['modelship_inflight_requests', 'modelship_queue_depth'] as const;

export interface PodMetricsOptions {
  fetch?: typeof globalThis.fetch;
  now?: () => number;
  scrapeTimeoutMs?: number;
  cacheMs?: number;
}

interface CachedScrape {
  at: number;
  families: Promise<Map<string, MetricFamily>>;
}

export class PodMetrics {
  private readonly cache = new Map<string, CachedScrape>();
  private readonly fetch: typeof globalThis.fetch;
  private readonly now: () => number;
  private readonly scrapeTimeoutMs: number;
  private readonly cacheMs: number;
  private readonly client: KubeClient;

  constructor(client: KubeClient, opts: PodMetricsOptions = {}) {
    this.client = client;
    this.fetch = opts.fetch ?? globalThis.fetch;
    this.now = opts.now ?? Date.now;
    this.scrapeTimeoutMs = opts.scrapeTimeoutMs ?? 1000;
    this.cacheMs = opts.cacheMs ?? 2000;
  }

  /**
   * One value per Ready runtime pod in `namespace` that `labelSelector` selects (and `podName`, if given)
   * and that reported `metric`. A pod that could not be read is left out rather than read as zero: the HPA
   * then acts on the pods it knows about, as it does for a pod metrics-server has not scraped yet.
   */
  async values(namespace: string, labelSelector: string, metric: string, podName?: string): Promise<PodMetricValue[]> {
    const pods = await this.runtimePods(namespace, labelSelector);
    const endpoints = readyPodEndpoints({ port: HTTP_PORT, targetPort: 'http' }, pods).filter((e) => podName === undefined || e.podName === podName);
    this.forgetOld();
    const read = await Promise.all(
      endpoints.map(async (endpoint): Promise<PodMetricValue | undefined> => {
        const scrape = this.scrape(endpoint.hostPort);
        const value = gaugeSum(await scrape.families.catch(() => undefined), metric);
        return value === undefined ? undefined : { namespace, pod: endpoint.podName ?? '', value, at: new Date(scrape.at) };
      }),
    );
    return read.filter((v): v is PodMetricValue => v !== undefined);
  }

  /**
   * Only pods the operator made: the adapter answers anyone the API server lets read custom metrics, and
   * must not become a way to make it fetch from arbitrary pods.
   */
  private async runtimePods(namespace: string, labelSelector: string): Promise<Pod[]> {
    const ours = `${LABELS.managedBy}=${LABEL_VALUES.managedBy}`;
    const selector = labelSelector ? `${labelSelector},${ours}` : ours;
    const list = await this.client.get<KubeList<Pod>>(`/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`, { query: { labelSelector: selector } });
    return list.items.filter((pod) => pod.status?.phase === 'Running');
  }

  private scrape(hostPort: string): CachedScrape {
    const cached = this.cache.get(hostPort);
    if (cached && this.now() - cached.at < this.cacheMs) return cached;
    const fresh = { at: this.now(), families: scrapeExposition(this.fetch, hostPort, this.scrapeTimeoutMs) };
    fresh.families.catch(() => undefined); // read (or skipped) by values(); never an unhandled rejection
    this.cache.set(hostPort, fresh);
    return fresh;
  }

  private forgetOld(): void {
    for (const [key, entry] of this.cache) if (this.now() - entry.at >= this.cacheMs) this.cache.delete(key);
  }
}

/** The gauge's samples summed (a runtime pod serves one model: one series), or undefined when absent. */
export function gaugeSum(families: Map<string, MetricFamily> | undefined, metric: string): number | undefined {
  const samples = families?.get(metric)?.samples.filter((s) => s.name === metric && Number.isFinite(s.value));
  if (!samples || samples.length === 0) return undefined;
  return samples.reduce((sum, s) => sum + s.value, 0);
}
