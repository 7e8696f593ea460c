import type { Clock } from '../util/clock.ts';
import { realClock } from '../util/clock.ts';

/** Decides how long an item waits before it is retried. Mirrors client-go's workqueue rate limiters. */
export interface RateLimiter<K> {
  /** Delay in ms before `key` may be processed again; counts as one more failure of `key`. */
  when(key: K): number;
  /** The key succeeded: its failure history starts over. */
  forget(key: K): void;
  /** How many times `key` has failed since it was last forgotten. */
  retries(key: K): number;
}

/** base · 2^failures, capped: 5 ms, 10 ms, 20 ms … up to 1000 s by default. */
export class ExponentialFailureRateLimiter<K> implements RateLimiter<K> {
  private readonly failures = new Map<K, number>();
  private readonly baseMs: number;
  private readonly maxMs: number;

  constructor(baseMs = 5, maxMs = 1_000_000) {
    this.baseMs = baseMs;
    this.maxMs = maxMs;
  }

  when(key: K): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    // 2^n overflows to Infinity long after it passes the cap, so min() is enough.
    return Math.min(this.baseMs * 2 ** n, this.maxMs);
  }

  forget(key: K): void {
    this.failures.delete(key);
  }

  retries(key: K): number {
    return this.failures.get(key) ?? 0;
  }
}

/**
 * A global token bucket: `qps` tokens a second, at most `burst` saved up. Each
 * `when` reserves a token, possibly one in the future, so a storm of failures
 * across many keys is spread out instead of retried at once.
 */
export class TokenBucketRateLimiter<K> implements RateLimiter<K> {
  private tokens: number;
  private last: number;
  private readonly qps: number;
  private readonly burst: number;
  private readonly clock: Clock;

  constructor(qps = 10, burst = 100, clock: Clock = realClock) {
    this.qps = qps;
    this.burst = burst;
    this.clock = clock;
    this.tokens = burst;
    this.last = clock.now();
  }

  when(_key: K): number {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.qps);
    this.last = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.qps) * 1000);
  }

  forget(_key: K): void {}

  retries(_key: K): number {
    return 0;
  }
}

/** The longest delay any of the limiters asks for; like client-go's MaxOfRateLimiter. */
class MaxOfRateLimiter<K> implements RateLimiter<K> {
  private readonly limiters: RateLimiter<K>[];

  constructor(...limiters: RateLimiter<K>[]) {
    this.limiters = limiters;
  }

  when(key: K): number {
    return Math.max(0, ...this.limiters.map((l) => l.when(key)));
  }

  forget(key: K): void {
    for (const l of this.limiters) l.forget(key);
  }

  retries(key: K): number {
    return Math.max(0, ...this.limiters.map((l) => l.retries(key)));
  }
}

/** controller-runtime's default: per-key 5 ms → 1000 s, and 10 qps with a burst of 100 overall. */
export function defaultControllerRateLimiter<K>(clock: Clock = realClock): RateLimiter<K> {
  return new MaxOfRateLimiter<K>(new ExponentialFailureRateLimiter<K>(5, 1_000_000), new TokenBucketRateLimiter<K>(10, 100, clock));
}
