export interface BackoffPolicy {
  /** First wait after a second failure; the kubelet uses 10s. */
  initialMs: number;
  /** Ceiling; the kubelet uses 5 minutes. */
  maxMs: number;
}

export const KUBELET_CRASH_BACKOFF: BackoffPolicy = { initialMs: 10_000, maxMs: 300_000 };

/**
 * CrashLoopBackOff timing for one container, like the kubelet's: the first
 * restart is immediate, then waits double from `initialMs` up to `maxMs`. A
 * container that ran for twice the ceiling without failing starts over.
 */
export class RestartBackoff {
  private failures = 0;
  private readonly policy: BackoffPolicy;

  constructor(policy: BackoffPolicy) {
    this.policy = policy;
  }

  /** Milliseconds to wait before the next start, given how long the last run lasted. */
  nextDelay(lastRunMs: number): number {
    if (lastRunMs >= 2 * this.policy.maxMs) this.failures = 0;
    this.failures++;
    if (this.failures === 1) return 0;
    return Math.min(this.policy.initialMs * 2 ** (this.failures - 2), this.policy.maxMs);
  }
}
