/**
 * "Probes under abuse": /v2/health/live probed at 50/s while two clients send maximum-size requests back to
 * back, with the runtime's peak RSS sampled throughout. Goals: probe p99 under 100 ms; peak RSS under twice
 * the idle RSS plus the body limit.
 *
 * A maximum-size request is the largest the runtime accepts, not one it refuses after a few kilobytes: a V1
 * request to the tiny model (10 features) at the row limit and the element limit, its numbers written long
 * enough that the body ends just under --max-body-bytes. The runtime's default row limit (1024) would keep a
 * valid body to a few hundred kilobytes, so the runtime under abuse is given the row limit that lets the
 * element limit and the body limit bind together (ABUSE_SETTINGS).
 */
import { rawExchange } from '../../runtime/test-support/raw-http.ts';
import { runLoad } from './run-load.ts';
import type { LoadResult } from './load-spec.ts';
import type { RunningServer } from '../servers/spawn-server.ts';

export const ABUSE_GOALS = { liveP99Ms: 100, peakRssOverIdle: 2 };

const FEATURES = 10;
/** The runtime's defaults for --max-body-bytes and --max-request-elements, and the row limit that fits them. */
export const ABUSE_SETTINGS = { maxBodyBytes: 64 * 1024 * 1024, maxElements: 4 * 1024 * 1024, maxRows: Math.floor((4 * 1024 * 1024) / FEATURES) };

/** The runtime's flags for these settings. */
export function abuseFlags(): string[] {
  return [
    '--max-body-bytes', String(ABUSE_SETTINGS.maxBodyBytes),
    '--max-request-elements', String(ABUSE_SETTINGS.maxElements),
    '--max-request-rows', String(ABUSE_SETTINGS.maxRows),
  ];
}

export interface AbuseResult {
  live: LoadResult;
  idleRssMiB: number;
  peakRssMiB: number;
  /** 2 × idle + the body limit. */
  rssGoalMiB: number;
  /** Answers the abusive clients got, by status (0: closed without an answer). */
  abusiveAnswers: Record<string, number>;
  /** Body bytes the abusive clients got to send, in all. */
  abusiveMiBSent: number;
  /** What one abusive request carried. */
  request: { bodyBytes: number; rows: number; elements: number };
}

/** One row of the diabetes data set, each value written with 12 decimals (14-15 characters, as float64s print). */
const ROW = `[${[0.038, 0.051, 0.062, 0.022, -0.044, -0.035, -0.043, -0.003, 0.02, -0.018].map((value) => value.toFixed(12)).join(',')}]`;
const ROWS_PER_CHUNK = 8_000;

/**
 * The well-formed V1 request `{"instances":[row,…,row]}` of ABUSE_SETTINGS.maxRows rows, padded with
 * trailing whitespace to one byte under the body limit, sent in chunks of 8,000 rows (about 1.2 MiB).
 */
export function maximumSizeRequest(model: string): { head: string; nextChunk: () => Buffer | undefined; bodyBytes: number } {
  const opening = '{"instances":[';
  const closing = `${ROW}]}`;
  const rowBytes = ROW.length + 1;
  const rows = ABUSE_SETTINGS.maxRows;
  const bodyBytes = ABUSE_SETTINGS.maxBodyBytes - 1;
  const padding = bodyBytes - opening.length - (rows - 1) * rowBytes - closing.length;
  if (padding < 0) throw new Error(`${rows} rows of ${rowBytes} bytes do not fit ${bodyBytes} bytes`);
  const head = `POST /v1/models/${model}:predict HTTP/1.1\r\nhost: bench\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: ${bodyBytes}`;
  const fullChunk = Buffer.from(`${ROW},`.repeat(ROWS_PER_CHUNK));
  let rowsLeft = rows - 1;
  let state: 'opening' | 'rows' | 'closing' | 'done' = 'opening';
  const nextChunk = (): Buffer | undefined => {
    if (state === 'opening') {
      state = 'rows';
      return Buffer.from(opening);
    }
    if (state === 'rows' && rowsLeft > 0) {
      const chunkRows = Math.min(rowsLeft, ROWS_PER_CHUNK);
      rowsLeft -= chunkRows;
      return chunkRows === ROWS_PER_CHUNK ? fullChunk : fullChunk.subarray(0, chunkRows * rowBytes);
    }
    if (state !== 'done') {
      state = 'done';
      return Buffer.from(`${closing}${' '.repeat(padding)}`);
    }
    return undefined;
  };
  return { head, nextChunk, bodyBytes };
}

export async function probesUnderAbuse(server: RunningServer, base: string, model: string, seconds: number): Promise<AbuseResult> {
  const idleRssMiB = server.rssMiB();
  let peakRssMiB = idleRssMiB;
  const sampler = setInterval(() => (peakRssMiB = Math.max(peakRssMiB, server.rssMiB())), 50);
  const abusiveAnswers: Record<string, number> = {};
  let bytesSent = 0;
  let stopping = false;
  const abuser = async (): Promise<void> => {
    while (!stopping) {
      const request = maximumSizeRequest(model);
      const answer = await rawExchange(base, request.head, request.nextChunk);
      abusiveAnswers[answer.status] = (abusiveAnswers[answer.status] ?? 0) + 1;
      bytesSent += answer.bytesSent;
    }
  };
  const abusers = [abuser(), abuser()];
  let live: LoadResult;
  try {
    live = await runLoad({ url: `${base}/v2/health/live`, method: 'GET', headers: {}, connections: 1, durationSeconds: seconds, ratePerSecond: 50 });
  } finally {
    // Requests in progress finish (they ask the server to close the connection once answered).
    stopping = true;
    await Promise.all(abusers);
    clearInterval(sampler);
  }
  return {
    live,
    idleRssMiB: Math.round(idleRssMiB),
    peakRssMiB: Math.round(peakRssMiB),
    rssGoalMiB: Math.round(ABUSE_GOALS.peakRssOverIdle * idleRssMiB + ABUSE_SETTINGS.maxBodyBytes / 2 ** 20),
    abusiveAnswers,
    abusiveMiBSent: Math.round(bytesSent / 2 ** 20),
    request: { bodyBytes: maximumSizeRequest(model).bodyBytes, rows: ABUSE_SETTINGS.maxRows, elements: ABUSE_SETTINGS.maxRows * FEATURES },
  };
}
