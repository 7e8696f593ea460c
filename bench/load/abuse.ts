/**
 * "Probes under abuse": /v2/health/live probed at 50/s while two clients send maximum-size requests back to
 * back (bodies of --max-body-bytes, the issue-11 attack: a V1 request of millions of valid rows), with the
 * runtime's peak RSS sampled throughout. Goals: probe p99 under 100 ms; peak RSS under twice the idle RSS
 * plus the body limit.
 */
import { rawExchange } from '../../runtime/test-support/raw-http.ts';
import { runLoad } from './run-load.ts';
import type { LoadResult } from './load-spec.ts';
import type { RunningServer } from '../servers/spawn-server.ts';

export const ABUSE_GOALS = { liveP99Ms: 100, peakRssOverIdle: 2 };
/** The runtime's default --max-body-bytes. */
export const BODY_LIMIT_BYTES = 64 * 1024 * 1024;

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
}

const ROW = '[0.038,0.051,0.062,0.022,-0.044,-0.035,-0.043,-0.003,0.02,-0.018]';
const ROWS_PER_CHUNK = 16_000;

/**
 * A well-formed V1 request of exactly --max-body-bytes: `{"instances":[row,row,…,row]}` padded with trailing
 * whitespace, sent in chunks of 16,000 rows (about 1 MiB).
 */
function maximumSizeBody(model: string): { head: string; nextChunk: () => Buffer | undefined } {
  const head = `POST /v1/models/${model}:predict HTTP/1.1\r\nhost: bench\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: ${BODY_LIMIT_BYTES}`;
  const opening = '{"instances":[';
  const closing = `${ROW}]}`;
  const rowBytes = ROW.length + 1;
  let rowsLeft = Math.floor((BODY_LIMIT_BYTES - opening.length - closing.length) / rowBytes);
  const padding = BODY_LIMIT_BYTES - opening.length - closing.length - rowsLeft * rowBytes;
  const fullChunk = Buffer.from(`${ROW},`.repeat(ROWS_PER_CHUNK));
  let state: 'opening' | 'rows' | 'closing' | 'done' = 'opening';
  const nextChunk = (): Buffer | undefined => {
    if (state === 'opening') {
      state = 'rows';
      return Buffer.from(opening);
    }
    if (state === 'rows' && rowsLeft > 0) {
      const rows = Math.min(rowsLeft, ROWS_PER_CHUNK);
      rowsLeft -= rows;
      return rows === ROWS_PER_CHUNK ? fullChunk : fullChunk.subarray(0, rows * rowBytes);
    }
    if (state !== 'done') {
      state = 'done';
      return Buffer.from(`${closing}${' '.repeat(padding)}`);
    }
    return undefined;
  };
  return { head, nextChunk };
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
      const body = maximumSizeBody(model);
      const answer = await rawExchange(base, body.head, body.nextChunk);
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
    rssGoalMiB: Math.round(ABUSE_GOALS.peakRssOverIdle * idleRssMiB + BODY_LIMIT_BYTES / 2 ** 20),
    abusiveAnswers,
    abusiveMiBSent: Math.round(bytesSent / 2 ** 20),
  };
}
