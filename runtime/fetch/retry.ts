import { setTimeout as sleep } from 'node:timers/promises';
import { FetchError } from './fetch-error.ts';

export interface RetryPolicy {
  /** Attempts after the first. */
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/**
 * Runs `attempt` until it succeeds, fails with a non-retryable FetchError, or runs out of retries. Delays grow
 * exponentially with full jitter, so many pods restarting together do not hammer the store in step.
 */
export async function withRetries<T>(
  policy: RetryPolicy,
  attempt: (attemptNumber: number) => Promise<T>,
  onRetry: (error: Error, delayMs: number, attemptNumber: number) => void,
  /** Ends the retries (and a backoff in progress) when aborted. */
  signal?: AbortSignal,
): Promise<T> {
  for (let attemptNumber = 1; ; attemptNumber++) {
    try {
      return await attempt(attemptNumber);
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      const retryable = !(failure instanceof FetchError) || failure.retryable;
      if (!retryable || attemptNumber > policy.retries || signal?.aborted === true) throw failure;
      const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attemptNumber - 1));
      const delayMs = Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
      onRetry(failure, delayMs, attemptNumber);
      await sleep(delayMs, undefined, signal === undefined ? undefined : { signal });
    }
  }
}
