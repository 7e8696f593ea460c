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
  /**
   * Server CPU time per answered request, best round of each, and on / off: steadier than req/s on a
   * shared machine, since other work there slows both the server and the load generator.
   */
  onCpuMicrosPerRequest: number;
  offCpuMicrosPerRequest: number;
  cpuRatio: number;
  /** Every round, in the order run: [on, off] req/s. */
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
  const onBest = Math.max(...rounds.map((r) => r[0]));
  const offBest = Math.max(...rounds.map((r) => r[1]));
  const onCpu = Math.min(...cpu.map((r) => r[0]));
  const offCpu = Math.min(...cpu.map((r) => r[1]));
  return {
    onRequestsPerSecond: onBest,
    offRequestsPerSecond: offBest,
    ratio: onBest / offBest,
    onCpuMicrosPerRequest: Math.round(onCpu),
    offCpuMicrosPerRequest: Math.round(offCpu),
    cpuRatio: onCpu / offCpu,
    rounds,
  };
}
