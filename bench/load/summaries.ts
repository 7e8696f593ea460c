/**
 * What the prediction summaries (docs/adr/0008-prediction-summaries.md) cost: the tiny model served with
 * --prediction-summaries on and with it off, in pairs of rounds judged by their median (paired-rounds.ts
 * says why: the cost to resolve is smaller than one round's noise on a shared machine).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES } from '../../runtime/fixtures/paths.ts';
import type { LoadSpec } from './load-spec.ts';
import { runPairs } from './paired-rounds.ts';
import type { PairSide } from './paired-rounds.ts';
import { freePort, spawnServer } from '../servers/spawn-server.ts';

/** The summaries may cost at most 3% of the tiny model's throughput. */
export const SUMMARIES_GOAL = 0.97;

export interface SummariesResult {
  /** Median req/s of each side's rounds. */
  onRequestsPerSecond: number;
  offRequestsPerSecond: number;
  /** Median of the pairs' on / off throughput ratios. */
  ratio: number;
  /** Every pair's on / off throughput ratio, sorted. */
  pairRatios: number[];
  /** Server CPU time per answered request, median of each side's rounds, and the pairs' median on / off. */
  onCpuMicrosPerRequest: number;
  offCpuMicrosPerRequest: number;
  cpuRatio: number;
  /** Every pair, in the order run: [on, off] req/s. */
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

function side(summaries: 'on' | 'off', load: (url: string) => LoadSpec): PairSide {
  return {
    label: `summaries ${summaries}`,
    start: async () => {
      const port = await freePort();
      const base = `http://127.0.0.1:${port}`;
      const args = ['runtime/main.ts', 'serve', FIXTURES.linearRegression, '--name', 'tiny', '--host', '127.0.0.1', '--port', String(port)];
      args.push('--grpc-port', 'off', '--log-level', 'warn', '--prediction-summaries', summaries);
      return { server: await spawnServer(process.execPath, args, `${base}/v2/health/ready`), load: load(`${base}/v2/models/tiny/infer`) };
    },
  };
}

export async function benchSummaries(b: SummariesBench): Promise<SummariesResult> {
  const body = join(b.scratch, 'summaries.json');
  writeFileSync(body, JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 10], data: b.features }] }));
  const load = (url: string): LoadSpec => ({ url, method: 'POST', headers: { 'content-type': 'application/json' }, bodyFile: body, connections: b.connections, durationSeconds: b.durationSeconds });
  const result = await runPairs(side('on', load), side('off', load), b.rounds, b.log);
  return {
    onRequestsPerSecond: result.first.requestsPerSecond,
    offRequestsPerSecond: result.second.requestsPerSecond,
    ratio: result.ratio,
    pairRatios: result.pairRatios,
    onCpuMicrosPerRequest: result.first.cpuMicrosPerRequest,
    offCpuMicrosPerRequest: result.second.cpuMicrosPerRequest,
    cpuRatio: result.cpuRatio,
    rounds: result.rounds,
  };
}
