/**
 * What the prediction summaries (docs/adr/0008-prediction-summaries.md) cost: the tiny model served twice,
 * once with --prediction-summaries on and once off, measured in alternating rounds under the same load; the
 * best round of each counts, as in the rest of bench:runtime.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES } from '../../runtime/fixtures/paths.ts';
import { runLoad } from './run-load.ts';
import type { LoadSpec } from './load-spec.ts';
import { freePort, spawnServer } from '../servers/spawn-server.ts';
import type { RunningServer } from '../servers/spawn-server.ts';

/** The summaries may cost at most 3% of the tiny model's throughput. */
export const SUMMARIES_GOAL = 0.97;

export interface SummariesResult {
  onRequestsPerSecond: number;
  offRequestsPerSecond: number;
  /** on / off throughput. */
  ratio: number;
  /** Every round, in the order run: [on, off]. */
  rounds: Array<[number, number]>;
}

export interface SummariesBench {
  scratch: string;
  features: readonly number[];
  connections: number;
  durationSeconds: number;
  rounds: number;
  log: (line: string) => void;
}

async function serve(summaries: 'on' | 'off'): Promise<{ server: RunningServer; url: string }> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const args = ['runtime/main.ts', 'serve', FIXTURES.linearRegression, '--name', 'tiny', '--host', '127.0.0.1', '--port', String(port)];
  args.push('--grpc-port', 'off', '--log-level', 'warn', '--prediction-summaries', summaries);
  return { server: await spawnServer(process.execPath, args, `${base}/v2/health/ready`), url: `${base}/v2/models/tiny/infer` };
}

export async function benchSummaries(b: SummariesBench): Promise<SummariesResult> {
  const body = join(b.scratch, 'summaries.json');
  writeFileSync(body, JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 10], data: b.features }] }));
  const on = await serve('on');
  const off = await serve('off');
  const load = (url: string): LoadSpec => ({ url, method: 'POST', headers: { 'content-type': 'application/json' }, bodyFile: body, connections: b.connections, durationSeconds: b.durationSeconds });
  const rounds: Array<[number, number]> = [];
  try {
    await runLoad({ ...load(on.url), durationSeconds: 3 });
    await runLoad({ ...load(off.url), durationSeconds: 3 });
    for (let round = 1; round <= b.rounds; round++) {
      // Which side goes first alternates too, so neither always runs on a machine just warmed by the other.
      const first = round % 2 === 1 ? on : off;
      const second = first === on ? off : on;
      const a = (await runLoad(load(first.url))).requestsPerSecond;
      const c = (await runLoad(load(second.url))).requestsPerSecond;
      rounds.push(first === on ? [a, c] : [c, a]);
      b.log(`  round ${round}: summaries on ${rounds.at(-1)![0].toFixed(0)} req/s, off ${rounds.at(-1)![1].toFixed(0)} req/s`);
    }
  } finally {
    await on.server.stop();
    await off.server.stop();
  }
  const onBest = Math.max(...rounds.map((r) => r[0]));
  const offBest = Math.max(...rounds.map((r) => r[1]));
  return { onRequestsPerSecond: onBest, offRequestsPerSecond: offBest, ratio: onBest / offBest, rounds };
}
