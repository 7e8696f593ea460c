// How the demo talks: plain lines on stdout, each with the time since the demo started, so a reader can
// see how long every part took. Failures are DemoErrors, whose message says what did not happen and where
// to look.

const started = Date.now();

export function elapsed(since = started): string {
  return `${((Date.now() - since) / 1000).toFixed(1)}s`;
}

let quiet = false;

/** Suppresses the detail lines (`detail`); headings, results and failures still print. */
export function setQuiet(value: boolean): void {
  quiet = value;
}

export function say(line = ''): void {
  const stamp = `[${elapsed().padStart(7)}]`;
  for (const part of line.split('\n')) process.stdout.write(`${stamp} ${part}\n`);
}

/** Lower-importance lines: cluster start-up progress, command output. */
export function detail(line: string): void {
  if (!quiet) say(`    ${line.replaceAll('\n', '\n    ')}`);
}

export function heading(step: number, total: number, title: string): void {
  say('');
  say(`== ${step}/${total} ${title}`);
}

/** A checked claim: printed as `ok` and remembered for the summary. */
export interface Claim {
  text: string;
  ok: boolean;
}

export class DemoError extends Error {
  /** Files and commands worth reading first. */
  readonly hints: string[];

  constructor(message: string, hints: string[] = []) {
    super(message);
    this.name = 'DemoError';
    this.hints = hints;
  }
}

let abortSignal: AbortSignal | undefined;

/** After `signal` fires, every sleep and wait of the demo throws, so the demo winds down (Ctrl-C). */
export function setAbortSignal(signal: AbortSignal | undefined): void {
  abortSignal = signal;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    if (abortSignal?.aborted) {
      reject(new DemoError('interrupted'));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new DemoError('interrupted'));
    };
    const timer = setTimeout(() => {
      abortSignal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    abortSignal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Polls `check` until it returns a value other than undefined/false, at most `timeoutMs`. On timeout throws a
 * DemoError saying what was awaited, the last state `describe` gives, and where to look.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  options: { timeoutMs: number; intervalMs?: number; describe?: () => string; hints?: () => string[] },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      // A hung request must not outlive the deadline.
      const value = await withTimeout(check(), Math.max(1000, deadline - Date.now()), what);
      if (value !== undefined && value !== false) return value;
      lastError = undefined;
    } catch (error) {
      if (error instanceof DemoError) throw error;
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const last = options.describe?.();
      throw new DemoError(
        `timed out after ${Math.round(options.timeoutMs / 1000)}s waiting for ${what}` +
          (last ? `\nlast seen: ${last}` : '') +
          (lastError ? `\nlast error: ${lastError instanceof Error ? lastError.message : String(lastError)}` : ''),
        options.hints?.() ?? [],
      );
    }
    await sleep(options.intervalMs ?? 500);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${Math.round(ms / 1000)}s while checking for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
