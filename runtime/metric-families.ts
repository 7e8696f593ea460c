// The Prometheus metric families the runtime exposes, one builder each, so that RuntimeMetrics only wires
// them to events. Names and labels are a contract with the operator's analysis (docs/adr/0001); the
// prediction families are described in docs/adr/0008-prediction-summaries.md.

import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';
import type { PredictionSummaries } from './predictions/prediction-summary.ts';

export interface Observer {
  observe(value: number): void;
}

export interface LiveCounts {
  inflightRequests(): number;
  queueDepth(): number;
}

export type Labels = { model: string; version: string };

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const BATCH_SIZE_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256];
const MODEL_LABELS = ['model', 'version'] as const;

export function requestsCounter(registry: Registry): Counter<'model' | 'version' | 'protocol' | 'code'> {
  return new Counter({
    name: 'modelship_requests_total',
    help: 'Inference requests that reached the model (authenticated, routed, decoded), by protocol and HTTP status code.',
    labelNames: ['model', 'version', 'protocol', 'code'],
    registers: [registry],
  });
}

export function rejectedCounter(registry: Registry): Counter<'model' | 'version' | 'code'> {
  return new Counter({
    name: 'modelship_rejected_requests_total',
    help: 'Requests answered without reaching the model (auth failures, unknown routes or methods, unreadable or over-limit input), by HTTP status code.',
    labelNames: ['model', 'version', 'code'],
    registers: [registry],
  });
}

export function requestDurationHistogram(registry: Registry): Histogram<'model' | 'version' | 'protocol'> {
  return new Histogram({
    name: 'modelship_request_duration_seconds',
    help: 'Time from receiving an inference request to sending its answer.',
    labelNames: ['model', 'version', 'protocol'],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
}

/** A histogram with the model's labels already applied. */
export function modelHistogram(registry: Registry, labels: Labels, name: string, help: string, kind: 'latency' | 'batch'): Observer {
  return new Histogram({
    name,
    help,
    labelNames: MODEL_LABELS,
    buckets: kind === 'latency' ? LATENCY_BUCKETS : BATCH_SIZE_BUCKETS,
    registers: [registry],
  }).labels(labels);
}

/** Gauges that mirror live state, read at scrape time rather than updated on every request. */
export function liveGauges(registry: Registry, labels: Labels, live: LiveCounts): void {
  new Gauge({
    name: 'modelship_inflight_requests',
    help: 'Inference requests received and not yet answered.',
    labelNames: MODEL_LABELS,
    registers: [registry],
    collect() {
      this.set(labels, live.inflightRequests());
    },
  });
  new Gauge({
    name: 'modelship_queue_depth',
    help: 'Inference requests waiting for a free worker.',
    labelNames: MODEL_LABELS,
    registers: [registry],
    collect() {
      this.set(labels, live.queueDepth());
    },
  });
}

export function modelGauge(registry: Registry, name: string, help: string): Gauge<'model' | 'version'> {
  return new Gauge({ name, help, labelNames: MODEL_LABELS, registers: [registry] });
}

/**
 * The prediction summaries, copied into counters at scrape time: the hot path only bumps a map entry, and
 * prom-client's label handling runs once per scrape, not once per predicted value.
 */
export function predictionFamilies(registry: Registry, labels: Labels, summaries: PredictionSummaries): void {
  new Gauge({
    name: 'modelship_prediction_outputs',
    help: 'Outputs whose predictions are summarised: position in the model\'s outputs (0 is the first) and kind (numeric or class).',
    labelNames: [...MODEL_LABELS, 'output', 'position', 'kind'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { position, summary } of summaries.list()) this.set({ ...labels, output: summary.name, position: String(position), kind: summary.kind }, 1);
    },
  });
  new Counter({
    name: 'modelship_prediction_values_total',
    help: 'Values a numeric output returned, by logarithmic bin (bin: a representative value within 5% of every value in the bin).',
    labelNames: [...MODEL_LABELS, 'output', 'bin'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { summary } of summaries.list()) {
        if (summary.kind !== 'numeric') continue;
        for (const [bin, count] of summary.counts()) this.inc({ ...labels, output: summary.name, bin }, count);
      }
    },
  });
  new Counter({
    name: 'modelship_prediction_classes_total',
    help: 'Values a class output (integer, boolean or string) returned, by class.',
    labelNames: [...MODEL_LABELS, 'output', 'class'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { summary } of summaries.list()) {
        if (summary.kind !== 'class') continue;
        for (const [value, count] of summary.counts()) this.inc({ ...labels, output: summary.name, class: value }, count);
      }
    },
  });
}
