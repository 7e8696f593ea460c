export interface LoadSpec {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  /** Request body, read from a file because a CNN input is too large for a command-line argument. */
  bodyFile?: string;
  connections: number;
  durationSeconds: number;
  /** Pace the whole run to this many requests per second (for probes); unset means as fast as answers come. */
  ratePerSecond?: number;
}

export interface LoadResult {
  requestsPerSecond: number;
  ok: number;
  failures: number;
  latencyMs: { p50: number; p99: number; mean: number; max: number };
}
