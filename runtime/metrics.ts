import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { BatchObserver } from './inference/batcher.ts';
import { InferenceStatistics } from './model/inference-statistics.ts';

/**
 * The runtime's Prometheus metrics. Names and labels are a contract with the operator's analysis
 * (docs/adr/0001-contracts-between-parts.md); runtime/README.md documents them.
 */

/** `grpc` is the Open Inference Protocol over gRPC; its requests are counted with the HTTP status REST would answer. */
export type Protocol = 'v1' | 'v2' | 'grpc';

export interface LiveCounts {
  inflightRequests(): number;
  queueDepth(): number;
}

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const BATCH_SIZE_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256];

interface Observer {
  observe(value: number): void;
}
interface Incrementer {
  inc(): void;
}

export class RuntimeMetrics implements BatchObserver {
  readonly registry = new Registry();
  /** The same events summed the way Triton's statistics extension reports them. */
  readonly statistics = new InferenceStatistics();
  readonly #labels: { model: string; version: string };
  readonly #requests: Counter<'model' | 'version' | 'protocol' | 'code'>;
  readonly #requestCounters = new Map<string, Incrementer>();
  readonly #rejected: Counter<'model' | 'version' | 'code'>;
  readonly #requestDurations: Record<Protocol, Observer>;
  readonly #queueDuration: Observer;
  readonly #inferenceDuration: Observer;
  readonly #batchSize: Observer;
  readonly #modelLoadSeconds: Gauge<'model' | 'version'>;
  readonly #modelReady: Gauge<'model' | 'version'>;

  constructor(model: string, version: string, live: LiveCounts) {
    const labels = { model, version };
    this.#labels = labels;
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });

    this.#requests = new Counter({
      name: 'modelship_requests_total',
      help: 'Inference requests that reached the model (authenticated, routed, decoded), by protocol and HTTP status code.',
      labelNames: ['model', 'version', 'protocol', 'code'],
      registers,
    });
    this.#rejected = new Counter({
      name: 'modelship_rejected_requests_total',
      help: 'Requests answered without reaching the model (auth failures, unknown routes or methods, unreadable or over-limit input), by HTTP status code.',
      labelNames: ['model', 'version', 'code'],
      registers,
    });
    const requestDuration = new Histogram({
      name: 'modelship_request_duration_seconds',
      help: 'Time from receiving an inference request to sending its answer.',
      labelNames: ['model', 'version', 'protocol'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.#requestDurations = {
      v1: requestDuration.labels({ ...labels, protocol: 'v1' }),
      v2: requestDuration.labels({ ...labels, protocol: 'v2' }),
      grpc: requestDuration.labels({ ...labels, protocol: 'grpc' }),
    };
    this.#queueDuration = new Histogram({
      name: 'modelship_queue_duration_seconds',
      help: 'Time a request waited for an inference worker.',
      labelNames: ['model', 'version'],
      buckets: LATENCY_BUCKETS,
      registers,
    }).labels(labels);
    this.#inferenceDuration = new Histogram({
      name: 'modelship_inference_duration_seconds',
      help: 'Time onnxruntime spent running one batch.',
      labelNames: ['model', 'version'],
      buckets: LATENCY_BUCKETS,
      registers,
    }).labels(labels);
    this.#batchSize = new Histogram({
      name: 'modelship_batch_size',
      help: 'Rows per batch sent to onnxruntime.',
      labelNames: ['model', 'version'],
      buckets: BATCH_SIZE_BUCKETS,
      registers,
    }).labels(labels);
    // Gauges that mirror live state are read at scrape time rather than updated on every request.
    new Gauge({
      name: 'modelship_inflight_requests',
      help: 'Inference requests received and not yet answered.',
      labelNames: ['model', 'version'],
      registers,
      collect() {
        this.set(labels, live.inflightRequests());
      },
    });
    new Gauge({
      name: 'modelship_queue_depth',
      help: 'Inference requests waiting for a free worker.',
      labelNames: ['model', 'version'],
      registers,
      collect() {
        this.set(labels, live.queueDepth());
      },
    });
    this.#modelLoadSeconds = new Gauge({
      name: 'modelship_model_load_seconds',
      help: 'Time the model took to verify, load and warm up.',
      labelNames: ['model', 'version'],
      registers,
    });
    this.#modelReady = new Gauge({
      name: 'modelship_model_ready',
      help: '1 when the model serves requests, 0 otherwise.',
      labelNames: ['model', 'version'],
      registers,
    });
    this.#modelReady.set(labels, 0);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  requestAnswered(protocol: Protocol, code: number, seconds: number): void {
    const key = `${protocol}${code}`;
    let counter = this.#requestCounters.get(key);
    if (counter === undefined) {
      counter = this.#requests.labels({ ...this.#labels, protocol, code: String(code) });
      this.#requestCounters.set(key, counter);
    }
    counter.inc();
    this.#requestDurations[protocol].observe(seconds);
    this.statistics.requestFinished(code === 200, seconds);
  }

  /**
   * A request answered before it reached the model. Kept out of modelship_requests_total and the latency
   * histogram, which the rollout analysis judges: anyone who can reach the Service could otherwise dilute a
   * failing canary's error rate with cheap 401s and 404s.
   */
  requestRejected(code: number, addressedSeconds?: number): void {
    this.#rejected.inc({ ...this.#labels, code: String(code) });
    // Triton's statistics count a request the model refused (bad input) as a failure, but not one stopped
    // before it was addressed to the model (auth, routing): `addressedSeconds` is given for the former.
    if (addressedSeconds !== undefined) this.statistics.requestFinished(false, addressedSeconds);
  }

  queued(seconds: number): void {
    this.#queueDuration.observe(seconds);
    this.statistics.queued(seconds);
  }

  batchFinished(rows: number, inferenceSeconds: number): void {
    this.#batchSize.observe(rows);
    this.#inferenceDuration.observe(inferenceSeconds);
    this.statistics.batchFinished(rows, inferenceSeconds);
  }

  modelLoaded(seconds: number): void {
    this.#modelLoadSeconds.set(this.#labels, seconds);
  }

  modelReady(ready: boolean): void {
    this.#modelReady.set(this.#labels, ready ? 1 : 0);
  }
}
