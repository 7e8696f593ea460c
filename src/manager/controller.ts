import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../util/clock.ts';
import { realClock } from '../util/clock.ts';
import type { OperatorMetrics, ReconcileResult } from './metrics.ts';
import type { RateLimiter } from '../workqueue/ratelimiter.ts';
import { WorkQueue } from '../workqueue/workqueue.ts';
import type { Priority } from '../workqueue/workqueue.ts';

/** What a reconcile asks for next: nothing (done), or another look after a delay. */
export interface Result {
  requeueAfterMs?: number;
}

/** One pass over one key: its ID and a logger that puts the ID (and the key) on every line. */
export interface Pass {
  reconcileID: string;
  log: Logger;
}

export type ReconcileFn = (key: string, pass: Pass) => Promise<Result>;

/**
 * A failure no retry can fix (a spec that can never work). The reconciler has
 * already said so in status; the controller counts it and does not retry.
 */
export class TerminalError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TerminalError';
  }
}

/**
 * Whether a thrown value is a bug in the code rather than a failure of the world: the closest thing
 * JavaScript has to a Go panic. Thrown non-Errors and the engine's own error classes count; a TypeError
 * with a cause does not, since fetch (undici) reports a failed connection that way.
 */
export function isPanic(err: unknown): boolean {
  if (!(err instanceof Error)) return true;
  if (err instanceof TypeError) return err.cause === undefined;
  return err instanceof ReferenceError || err instanceof RangeError || err instanceof SyntaxError;
}

export interface ControllerOptions {
  name: string;
  reconcile: ReconcileFn;
  workers: number;
  log: Logger;
  metrics?: OperatorMetrics;
  clock?: Clock;
  rateLimiter?: RateLimiter<string>;
}

/**
 * Runs a reconcile function over a work queue of "namespace/name" keys with N
 * workers, the way controller-runtime's controller does: errors are retried
 * with per-key backoff, success forgets the backoff, requeueAfter schedules
 * the next look.
 */
export class Controller {
  readonly name: string;
  readonly queue: WorkQueue<string>;
  private readonly opts: ControllerOptions;
  private readonly clock: Clock;
  private workers: Promise<void>[] = [];

  constructor(opts: ControllerOptions) {
    this.name = opts.name;
    this.opts = opts;
    this.clock = opts.clock ?? realClock;
    const observer = opts.metrics?.queueObserver(opts.name, () => this.queue.inFlight());
    this.queue = new WorkQueue<string>({
      clock: this.clock,
      ...(opts.rateLimiter ? { rateLimiter: opts.rateLimiter } : {}),
      ...(observer ? { observer } : {}),
    });
    opts.metrics?.maxConcurrent.set({ controller: opts.name }, opts.workers);
    opts.metrics?.activeWorkers.set({ controller: opts.name }, 0);
  }

  enqueue(key: string, priority: Priority = 'normal'): void {
    this.queue.add(key, priority);
  }

  start(): void {
    if (this.workers.length) return;
    for (let i = 0; i < this.opts.workers; i++) this.workers.push(this.work());
  }

  /** Stops handing out keys and waits for reconciles in flight to finish. */
  async stop(): Promise<void> {
    await this.queue.drain();
    await Promise.all(this.workers);
    this.workers = [];
  }

  private async work(): Promise<void> {
    for (;;) {
      const next = await this.queue.get();
      if (next.shutdown) return;
      try {
        await this.process(next.key);
      } catch (err) {
        // Only bookkeeping (a metric, a log line) can get here; the worker must outlive it.
        this.opts.log.error({ err, key: next.key }, 'controller bookkeeping failed');
      } finally {
        this.queue.done(next.key);
      }
    }
  }

  private async process(key: string): Promise<void> {
    const { metrics } = this.opts;
    const controller = this.name;
    const [namespace, name] = key.includes('/') ? key.split('/', 2) : ['', key];
    const reconcileID = randomUUID();
    const log = this.opts.log.child({ namespace, name, reconcileID });
    metrics?.activeWorkers.inc({ controller });
    const started = this.clock.now();
    let result: ReconcileResult = 'success';
    try {
      const out = await this.opts.reconcile(key, { reconcileID, log });
      this.queue.forget(key);
      if (out.requeueAfterMs !== undefined && out.requeueAfterMs > 0) {
        result = 'requeue_after';
        this.queue.addAfter(key, out.requeueAfterMs);
      }
    } catch (err) {
      result = 'error';
      this.failed(key, err, log);
    } finally {
      metrics?.reconcileTime.observe({ controller }, (this.clock.now() - started) / 1000);
      metrics?.reconcileTotal.inc({ controller, result });
      metrics?.activeWorkers.dec({ controller });
    }
  }

  /**
   * A failed pass: terminal errors are not retried; everything else is, with backoff. A panic (a bug:
   * see isPanic) is recovered like controller-runtime's RecoverPanic: counted, logged with its stack,
   * and retried, so one bad object cannot stop the worker or the operator.
   */
  private failed(key: string, err: unknown, log: Logger): void {
    const { metrics } = this.opts;
    const controller = this.name;
    metrics?.reconcileErrors.inc({ controller });
    if (err instanceof TerminalError) {
      metrics?.terminalErrors.inc({ controller });
      this.queue.forget(key);
      log.warn({ err: err.message }, 'reconcile failed for good; not retrying');
      return;
    }
    if (isPanic(err)) {
      metrics?.reconcilePanics.inc({ controller });
      log.error({ err, retries: this.queue.numRequeues(key) }, 'reconcile panicked (recovered); will retry');
    } else {
      log.info({ err, retries: this.queue.numRequeues(key) }, 'reconcile failed; will retry');
    }
    this.queue.addRateLimited(key);
  }
}
