import { Registry, collectDefaultMetrics } from 'prom-client';
import type { Counter, Gauge } from 'prom-client';
import type { BatchObserver } from './inference/batcher.ts';
import { InferenceStatistics } from './model/inference-statistics.ts';
import type { Tensor } from './tensor/datatypes.ts';
import { PredictionSummaries } from './predictions/prediction-summary.ts';
import type { Labels, LiveCounts, Observer } from './metric-families.ts';
import {
  liveGauges,
  modelGauge,
  modelHistogram,
  predictionFamilies,
  rejectedCounter,
  requestDurationHistogram,
  requestsCounter,
} from './metric-families.ts';

export type { LiveCounts } from './metric-families.ts';

/**
 * The runtime's Prometheus metrics. Names and labels are a contract with the operator's analysis
 * (docs/adr/0001-contracts-between-parts.md); runtime/README.md documents them.
 */

/** `grpc` is the Open Inference Protocol over gRPC; its requests are counted with the HTTP status REST would answer. */
export type Protocol = 'v1' | 'v2' | 'grpc';

interface Incrementer {
  inc(): void;
}

export interface RuntimeMetricsOptions {
  /** Summarise what the model predicts (docs/adr/0008-prediction-summaries.md); on unless turned off. */
  predictionSummaries?: boolean;
}

export class RuntimeMetrics implements BatchObserver {
  readonly registry = new Registry();
  /** The same events summed the way Triton's statistics extension reports them. */
  readonly statistics = new InferenceStatistics();
  /** What the model predicted, per output; undefined when turned off. */
  readonly predictions: PredictionSummaries | undefined;
  readonly #labels: Labels;
  readonly #requests: Counter<'model' | 'version' | 'protocol' | 'code'>;
  readonly #requestCounters = new Map<string, Incrementer>();
  readonly #rejected: Counter<'model' | 'version' | 'code'>;
  readonly #requestDurations: Record<Protocol, Observer>;
  readonly #queueDuration: Observer;
  readonly #inferenceDuration: Observer;
  readonly #batchSize: Observer;
  readonly #modelLoadSeconds: Gauge<'model' | 'version'>;
  readonly #modelReady: Gauge<'model' | 'version'>;

  constructor(model: string, version: string, live: LiveCounts, options: RuntimeMetricsOptions = {}) {
    const labels = { model, version };
    const registry = this.registry;
    this.#labels = labels;
    collectDefaultMetrics({ register: registry });
    this.#requests = requestsCounter(registry);
    this.#rejected = rejectedCounter(registry);
    const requestDuration = requestDurationHistogram(registry);
    this.#requestDurations = {
      v1: requestDuration.labels({ ...labels, protocol: 'v1' }),
      v2: requestDuration.labels({ ...labels, protocol: 'v2' }),
      grpc: requestDuration.labels({ ...labels, protocol: 'grpc' }),
    };
    this.#queueDuration = modelHistogram(registry, labels, 'modelship_queue_duration_seconds', 'Time a request waited for an inference worker.', 'latency');
    this.#inferenceDuration = modelHistogram(registry, labels, 'modelship_inference_duration_seconds', 'Time onnxruntime spent running one batch.', 'latency');
    this.#batchSize = modelHistogram(registry, labels, 'modelship_batch_size', 'Rows per batch sent to onnxruntime.', 'batch');
    liveGauges(registry, labels, live);
    this.#modelLoadSeconds = modelGauge(registry, 'modelship_model_load_seconds', 'Time the model took to verify, load and warm up.');
    this.#modelReady = modelGauge(registry, 'modelship_model_ready', '1 when the model serves requests, 0 otherwise.');
    this.#modelReady.set(labels, 0);
    this.predictions = options.predictionSummaries === false ? undefined : new PredictionSummaries();
    if (this.predictions) predictionFamilies(registry, labels, this.predictions);
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

  /** A batch's outputs, as onnxruntime returned them: every row of every request in it. */
  predicted(outputs: Record<string, Tensor>): void {
    this.predictions?.observe(outputs);
  }

  /** The model's outputs in its declared order, once it is loaded. */
  outputsDeclared(names: readonly string[]): void {
    this.predictions?.setOrder(names);
  }

  modelLoaded(seconds: number): void {
    this.#modelLoadSeconds.set(this.#labels, seconds);
  }

  modelReady(ready: boolean): void {
    this.#modelReady.set(this.#labels, ready ? 1 : 0);
  }
}
