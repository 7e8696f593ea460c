import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where the proving ground keeps what it builds once per machine: ~/.cache/modelship, or $MODELSHIP_CACHE_DIR. */
export function modelshipCacheDir(): string {
  return process.env.MODELSHIP_CACHE_DIR || join(homedir(), '.cache', 'modelship');
}

/**
 * A build that callers in one process share: the first call starts it, later calls wait for the same
 * result, and a failed build is forgotten so that the next call tries again.
 */
export function sharedBuild<T>(build: (onProgress: (line: string) => void) => Promise<T>): (onProgress?: (line: string) => void) => Promise<T> {
  let pending: Promise<T> | undefined;
  return (onProgress = () => {}) => {
    pending ??= build(onProgress).catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}
