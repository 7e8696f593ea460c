import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { QueueObserver } from '../workqueue/workqueue.ts';

/** Reconcile results as controller-runtime labels them. */
export type ReconcileResult = 'success' | 'error' | 'requeue' | 'requeue_after';

// controller-runtime's buckets, so dashboards built for Go operators read ours the same way.
const RECONCILE_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.25, 1.5, 1.75, 2, 2.5, 3,
  3.5, 4, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60,
];
const QUEUE_BUCKETS = Array.from({ length: 12 }, (_, i) => 1e-8 * 10 ** i);

/**
 * The operator's Prometheus metrics under the names controller-runtime uses,
 * plus the default process metrics, in one registry served on /metrics.
 */
export class OperatorMetrics {
  readonly registry = new Registry();
  private readonly inFlight = new Map<string, () => { longest: number; total: number }>();

  readonly reconcileTotal = counter(this.registry, 'controller_runtime_reconcile_total', 'Total number of reconciliations per controller', ['controller', 'result']);
  readonly reconcileErrors = counter(this.registry, 'controller_runtime_reconcile_errors_total', 'Total number of reconciliation errors per controller', ['controller']);
  readonly terminalErrors = counter(this.registry, 'controller_runtime_terminal_reconcile_errors_total', 'Total number of terminal reconciliation errors per controller', ['controller']);
  readonly reconcilePanics = counter(this.registry, 'controller_runtime_reconcile_panics_total', 'Total number of reconciliation panics per controller', ['controller']);
  readonly reconcileTime = new Histogram({
    name: 'controller_runtime_reconcile_time_seconds',
    help: 'Length of time per reconciliation per controller',
    labelNames: ['controller'],
    buckets: RECONCILE_BUCKETS,
    registers: [this.registry],
  });
  readonly maxConcurrent = gauge(this.registry, 'controller_runtime_max_concurrent_reconciles', 'Maximum number of concurrent reconciles per controller', ['controller']);
  readonly activeWorkers = gauge(this.registry, 'controller_runtime_active_workers', 'Number of currently used workers per controller', ['controller']);
  readonly leaderStatus = gauge(
    this.registry,
    'leader_election_master_status',
    'Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master',
    ['name'],
  );

  private readonly depth = gauge(this.registry, 'workqueue_depth', 'Current depth of workqueue', QUEUE_LABELS);
  private readonly adds = counter(this.registry, 'workqueue_adds_total', 'Total number of adds handled by workqueue', QUEUE_LABELS);
  private readonly retries = counter(this.registry, 'workqueue_retries_total', 'Total number of retries handled by workqueue', QUEUE_LABELS);
  private readonly queueDuration = queueHistogram(this.registry, 'workqueue_queue_duration_seconds', 'How long in seconds an item stays in workqueue before being requested');
  private readonly workDuration = queueHistogram(this.registry, 'workqueue_work_duration_seconds', 'How long in seconds processing an item from workqueue takes');
  private readonly unfinished = inFlightGauge(
    this.registry,
    'workqueue_unfinished_work_seconds',
    'How many seconds of work has been done that is in progress and has not been observed by work_duration',
    this.inFlight,
    (w) => w.total,
  );
  private readonly longest = inFlightGauge(
    this.registry,
    'workqueue_longest_running_processor_seconds',
    'How many seconds has the longest running processor for workqueue been running',
    this.inFlight,
    (w) => w.longest,
  );

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** The observer a controller's queue reports to; `inFlight` feeds the two gauges read at scrape time. */
  queueObserver(controller: string, inFlight: () => { longest: number; total: number }): QueueObserver {
    const labels = { name: controller, controller };
    this.inFlight.set(controller, inFlight);
    this.depth.set(labels, 0);
    this.adds.inc(labels, 0);
    this.retries.inc(labels, 0);
    this.unfinished.set(labels, 0);
    this.longest.set(labels, 0);
    return {
      added: () => this.adds.inc(labels),
      depth: (n) => this.depth.set(labels, n),
      dequeued: (s) => this.queueDuration.observe(labels, s),
      finished: (s) => this.workDuration.observe(labels, s),
      retried: () => this.retries.inc(labels),
    };
  }
}

const QUEUE_LABELS = ['name', 'controller'] as const;
type QueueLabel = (typeof QUEUE_LABELS)[number];

function counter<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[]): Counter<L> {
  return new Counter<L>({ name, help, labelNames, registers: [registry] });
}

function gauge<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[]): Gauge<L> {
  return new Gauge<L>({ name, help, labelNames, registers: [registry] });
}

function queueHistogram(registry: Registry, name: string, help: string): Histogram<QueueLabel> {
  return new Histogram<QueueLabel>({ name, help, labelNames: QUEUE_LABELS, buckets: QUEUE_BUCKETS, registers: [registry] });
}

/** A queue gauge read at scrape time from each controller's work in flight. */
function inFlightGauge(
  registry: Registry,
  name: string,
  help: string,
  inFlight: Map<string, () => { longest: number; total: number }>,
  pick: (w: { longest: number; total: number }) => number,
): Gauge<QueueLabel> {
  return new Gauge<QueueLabel>({
    name,
    help,
    labelNames: QUEUE_LABELS,
    registers: [registry],
    collect() {
      for (const [controller, read] of inFlight) this.set({ name: controller, controller }, pick(read()));
    },
  });
}
