export class WaitTimeoutError extends Error {
  override name = 'WaitTimeoutError';
}

export interface PollOptions {
  /** What we wait for, as a phrase: "kube-apiserver /readyz to answer 200". */
  description: string;
  timeoutMs: number;
  intervalMs?: number;
  signal?: AbortSignal;
  /** Extra words for the failure message, e.g. where to look: "see /tmp/x/apiserver.log". */
  diagnose?: () => string | Promise<string>;
}

/**
 * Calls `check` until it returns something other than undefined/false, or
 * the deadline passes. Errors thrown by `check` count as "not yet"; the last
 * one is quoted in the timeout message so a failure explains itself.
 */
export async function pollUntil<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  options: PollOptions,
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  const interval = options.intervalMs ?? 250;
  let lastError: unknown;
  for (;;) {
    if (options.signal?.aborted) throw new Error(`stopped waiting for ${options.description}`);
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
      lastError = undefined;
    } catch (error) {
      if (error instanceof FatalWaitError) throw error.cause instanceof Error ? error.cause : error;
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const parts = [`timed out after ${Math.round(options.timeoutMs / 1000)}s waiting for ${options.description}`];
      if (lastError !== undefined) parts.push(`last error: ${describeError(lastError)}`);
      if (options.diagnose) {
        try {
          parts.push(await options.diagnose());
        } catch (error) {
          parts.push(`(diagnosis failed: ${describeError(error)})`);
        }
      }
      throw new WaitTimeoutError(parts.join('\n'));
    }
    await delay(Math.min(interval, Math.max(0, deadline - Date.now())), options.signal);
  }
}

/** Thrown from a poll check to stop waiting at once (e.g. the process we wait on has exited). */
export class FatalWaitError extends Error {
  constructor(cause: Error) {
    super(cause.message, { cause });
  }
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(finish, ms);
    function finish(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', finish);
      resolve();
    }
    signal?.addEventListener('abort', finish, { once: true });
  });
}
