/**
 * What the prediction summaries (docs/adr/0008-prediction-summaries.md) cost: the tiny model served twice,
 * once with --prediction-summaries on and once off, measured in pairs of rounds run back to back under the
 * same load. The ratio is the median of the pairs' on/off ratios, not best against best: the cost to resolve
 * (a few percent at most) is smaller than how much one round differs from the next on a shared machine, and
 * the two rounds of a pair see the same machine, so slow drifts cancel within a pair and the median leaves
 * out a pair that met a burst of other work.
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
  /** Median of the pairs' on / off throughput ratios. */
  ratio: number;
  /** Every pair's on / off throughput ratio, sorted: how far the median can be trusted. */
  pairRatios: number[];
  /**
   * Server CPU time per answered request, median of each side's rounds, and the median of the pairs' on / off
   * ratios: steadier than req/s on a shared machine, since other work there slows both the server and the
   * load generator.
   */
  onCpuMicrosPerRequest: number;
  offCpuMicrosPerRequest: number;
  cpuRatio: number;
  /** Every pair, in the order run: [on, off] req/s. */
  rounds: Array<[number, number]>;
}

interface Run {
  requestsPerSecond: number;
  cpuMicrosPerRequest: number;
}

async function measure(server: RunningServer, load: LoadSpec): Promise<Run> {
  const before = server.cpuSeconds();
  const result = await runLoad(load);
  return { requestsPerSecond: result.requestsPerSecond, cpuMicrosPerRequest: ((server.cpuSeconds() - before) * 1e6) / Math.max(1, result.ok) };
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
  const load = (url: string): LoadSpec => ({ url, method: 'POST', headers: { 'content-type': 'application/json' }, bodyFile: body, connections: b.connections, durationSeconds: b.durationSeconds });
  /**
   * Each side runs alone, in a server started for the round and stopped after it. With both servers up for
   * the whole run, the second one started measured about 5% slower even when both had summaries off (an
   * A/A run read 0.943): the bench saw which process it was, not the summaries.
   */
  const measureAlone = async (summaries: 'on' | 'off') => {
    const { server, url } = await serve(summaries);
    try {
      await runLoad({ ...load(url), durationSeconds: 3 });
      return await measure(server, load(url));
    } finally {
      await server.stop();
    }
  };
  const rounds: Array<[number, number]> = [];
  const cpu: Array<[number, number]> = [];
  for (let round = 1; round <= b.rounds; round++) {
    // Which side goes first alternates too, so neither always runs on a machine just warmed by the other.
    const onFirst = round % 2 === 1;
    const first = await measureAlone(onFirst ? 'on' : 'off');
    const second = await measureAlone(onFirst ? 'off' : 'on');
    const [runOn, runOff] = onFirst ? [first, second] : [second, first];
    rounds.push([runOn.requestsPerSecond, runOff.requestsPerSecond]);
    cpu.push([runOn.cpuMicrosPerRequest, runOff.cpuMicrosPerRequest]);
    b.log(
      `  round ${round}: summaries on ${runOn.requestsPerSecond.toFixed(0)} req/s (${runOn.cpuMicrosPerRequest.toFixed(0)} CPU us/req), ` +
        `off ${runOff.requestsPerSecond.toFixed(0)} req/s (${runOff.cpuMicrosPerRequest.toFixed(0)} CPU us/req)`,
    );
  }
  const pairRatios = rounds.map(([on, off]) => on / off).sort((a, b) => a - b);
  return {
    onRequestsPerSecond: median(rounds.map((r) => r[0])),
    offRequestsPerSecond: median(rounds.map((r) => r[1])),
    ratio: median(pairRatios),
    pairRatios: pairRatios.map((r) => Number(r.toFixed(3))),
    onCpuMicrosPerRequest: Math.round(median(cpu.map((r) => r[0]))),
    offCpuMicrosPerRequest: Math.round(median(cpu.map((r) => r[1]))),
    cpuRatio: median(cpu.map(([on, off]) => on / off)),
    rounds,
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
