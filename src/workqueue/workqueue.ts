import type { Clock, Timer } from '../util/clock.ts';
import { realClock } from '../util/clock.ts';
import type { RateLimiter } from './ratelimiter.ts';
import { defaultControllerRateLimiter } from './ratelimiter.ts';

/** What the queue reports; the Prometheus side lives in metrics.ts so this file stays pure. */
export interface QueueObserver {
  added(): void;
  depth(n: number): void;
  /** Seconds the key waited in the queue before a worker took it. */
  dequeued(waitedSeconds: number): void;
  /** Seconds a worker held the key. */
  finished(workedSeconds: number): void;
  retried(): void;
}

export interface WorkQueueOptions<K> {
  clock?: Clock;
  rateLimiter?: RateLimiter<K>;
  observer?: QueueObserver;
}

export type Next<K> = { key: K; shutdown: false } | { key?: undefined; shutdown: true };

/**
 * High goes before normal. A change a person made (a new or edited spec) should
 * not wait behind a thousand status-only refreshes; within a priority, FIFO.
 */
export type Priority = 'high' | 'normal';

/**
 * A work queue with client-go's guarantees:
 * - a key is never handed to two workers at once: re-adding a key that is
 *   being processed marks it dirty, and it is queued again when `done` is called;
 * - adding a key that is already waiting does nothing (adds collapse);
 * - `addAfter` and `addRateLimited` delay an add; among several pending delays
 *   for one key the earliest wins;
 * - `shutdown` stops `get`, and `drain` waits for keys in hand to finish.
 * Like controller-runtime's priority queue, a waiting key added again with a
 * higher priority moves up.
 */
export class WorkQueue<K> {
  private readonly high: K[] = [];
  private readonly normal: K[] = [];
  private readonly dirty = new Set<K>();
  /** Dirty keys added with high priority; they keep it until taken. */
  private readonly urgent = new Set<K>();
  private readonly processing = new Set<K>();
  private readonly addedAt = new Map<K, number>();
  private readonly startedAt = new Map<K, number>();
  private readonly waiting = new Map<K, { at: number; timer: Timer }>();
  private readonly getters: Array<(next: Next<K>) => void> = [];
  private readonly drainers: Array<() => void> = [];
  private shuttingDown = false;
  private readonly clock: Clock;
  private readonly limiter: RateLimiter<K>;
  private readonly observer: QueueObserver | undefined;

  constructor(opts: WorkQueueOptions<K> = {}) {
    this.clock = opts.clock ?? realClock;
    this.limiter = opts.rateLimiter ?? defaultControllerRateLimiter<K>(this.clock);
    this.observer = opts.observer;
  }

  get length(): number {
    return this.high.length + this.normal.length;
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  add(key: K, priority: Priority = 'normal'): void {
    if (this.shuttingDown) return;
    if (this.dirty.has(key)) {
      if (priority === 'high') this.promote(key);
      return;
    }
    this.observer?.added();
    this.dirty.add(key);
    if (!this.addedAt.has(key)) this.addedAt.set(key, this.clock.now());
    if (priority === 'high') this.urgent.add(key);
    if (this.processing.has(key)) return;
    this.push(key);
  }

  addAfter(key: K, delayMs: number): void {
    if (this.shuttingDown) return;
    if (delayMs <= 0) return this.add(key);
    const at = this.clock.now() + delayMs;
    const pending = this.waiting.get(key);
    if (pending && pending.at <= at) return;
    if (pending) this.clock.clearTimeout(pending.timer);
    const timer = this.clock.setTimeout(() => {
      this.waiting.delete(key);
      this.add(key);
    }, delayMs);
    timer.unref?.();
    this.waiting.set(key, { at, timer });
  }

  /** Retry `key` after its backoff; each call counts as one more failure. */
  addRateLimited(key: K): void {
    this.observer?.retried();
    this.addAfter(key, this.limiter.when(key));
  }

  /** `key` succeeded: its backoff starts over. Does not remove it from the queue. */
  forget(key: K): void {
    this.limiter.forget(key);
  }

  numRequeues(key: K): number {
    return this.limiter.retries(key);
  }

  /** Waits for the next key. Every key returned must be passed to `done`. */
  get(): Promise<Next<K>> {
    // Unlike client-go, keys still queued at shutdown are not handed out: the
    // next leader resyncs every key anyway, and a handover should be quick.
    if (this.shuttingDown) return Promise.resolve({ shutdown: true });
    const key = this.takeNow();
    if (key !== undefined) return Promise.resolve({ key: key.value, shutdown: false });
    return new Promise((resolve) => this.getters.push(resolve));
  }

  done(key: K): void {
    this.processing.delete(key);
    const started = this.startedAt.get(key);
    this.startedAt.delete(key);
    if (started !== undefined) this.observer?.finished((this.clock.now() - started) / 1000);
    if (this.dirty.has(key)) this.push(key);
    else if (this.processing.size === 0) this.drainers.splice(0).forEach((d) => d());
  }

  /** Seconds the longest-held key has been in a worker's hands, and the sum over all of them. */
  inFlight(): { longest: number; total: number } {
    const now = this.clock.now();
    let longest = 0;
    let total = 0;
    for (const started of this.startedAt.values()) {
      const s = (now - started) / 1000;
      longest = Math.max(longest, s);
      total += s;
    }
    return { longest, total };
  }

  /** Stops handing out keys; waiting `get` calls resolve with shutdown. Pending delayed adds are dropped. */
  shutdown(): void {
    this.shuttingDown = true;
    for (const { timer } of this.waiting.values()) this.clock.clearTimeout(timer);
    this.waiting.clear();
    this.getters.splice(0).forEach((g) => g({ shutdown: true }));
  }

  /** Shuts down, then resolves once every key handed out has been marked done. */
  drain(): Promise<void> {
    this.shutdown();
    if (this.processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainers.push(resolve));
  }

  private push(key: K): void {
    const getter = this.getters.shift();
    if (getter) {
      this.take(key);
      getter({ key, shutdown: false });
      return;
    }
    (this.urgent.has(key) ? this.high : this.normal).push(key);
    this.observer?.depth(this.length);
  }

  /** Moves a waiting key to the high queue; a key in a worker's hands is only marked. */
  private promote(key: K): void {
    if (this.urgent.has(key)) return;
    this.urgent.add(key);
    const i = this.normal.indexOf(key);
    if (i < 0) return;
    this.normal.splice(i, 1);
    this.high.push(key);
  }

  private takeNow(): { value: K } | undefined {
    const key = this.high.length ? this.high.shift() : this.normal.shift();
    if (key === undefined) return undefined;
    this.observer?.depth(this.length);
    this.take(key);
    return { value: key };
  }

  private take(key: K): void {
    this.processing.add(key);
    this.dirty.delete(key);
    this.urgent.delete(key);
    const now = this.clock.now();
    const added = this.addedAt.get(key);
    this.addedAt.delete(key);
    if (added !== undefined) this.observer?.dequeued((now - added) / 1000);
    this.startedAt.set(key, now);
  }
}
