/**
 * Two servers compared in pairs of rounds: each round starts one side's server alone, warms it, measures
 * it under wrk and stops it; the two rounds of a pair run back to back, and which side goes first
 * alternates. The ratio is the median of the pairs' ratios. This is how a cost of a few percent is told
 * apart from a shared machine's noise, which is larger than that from one round to the next:
 * - each side alone: with both servers up for the whole run, the one started second measured about 5%
 *   slower even when both were the same build (an A/A run read 0.943), so a bench saw which process it was;
 * - pairs: the two rounds of a pair see the same machine, so slow drifts in other load cancel within it;
 * - the median leaves out a pair that met a burst of other work, where best-against-best would keep it.
 */
import { runLoad } from './run-load.ts';
import type { LoadSpec } from './load-spec.ts';
import type { RunningServer } from '../servers/spawn-server.ts';

export interface PairSide {
  label: string;
  /** Starts a fresh server for one round, with the load that drives it. */
  start: () => Promise<{ server: RunningServer; load: LoadSpec }>;
}

export interface SideFigures {
  /** Median over its rounds. */
  requestsPerSecond: number;
  /** Server CPU time per answered request, median over its rounds: steadier than req/s on a shared machine. */
  cpuMicrosPerRequest: number;
}

export interface PairedResult {
  first: SideFigures;
  second: SideFigures;
  /** Median of the pairs' first / second req/s ratios. */
  ratio: number;
  /** Every pair's first / second req/s ratio, sorted: how far the median can be trusted. */
  pairRatios: number[];
  /** Median of the pairs' first / second CPU-per-request ratios (below 1: the first side is cheaper). */
  cpuRatio: number;
  /** Every pair, in the order run: [first, second] req/s. */
  rounds: Array<[number, number]>;
}

interface Round {
  requestsPerSecond: number;
  cpuMicrosPerRequest: number;
}

const WARM_UP_SECONDS = 3;

async function measureAlone(side: PairSide): Promise<Round> {
  const { server, load } = await side.start();
  try {
    await runLoad({ ...load, durationSeconds: WARM_UP_SECONDS });
    const before = server.cpuSeconds();
    const result = await runLoad(load);
    return { requestsPerSecond: result.requestsPerSecond, cpuMicrosPerRequest: ((server.cpuSeconds() - before) * 1e6) / Math.max(1, result.ok) };
  } finally {
    await server.stop();
  }
}

export async function runPairs(first: PairSide, second: PairSide, pairs: number, log: (line: string) => void): Promise<PairedResult> {
  const rounds: Array<[Round, Round]> = [];
  for (let pair = 1; pair <= pairs; pair++) {
    // Which side goes first alternates, so neither always runs on a machine just warmed by the other.
    const firstGoesFirst = pair % 2 === 1;
    const early = await measureAlone(firstGoesFirst ? first : second);
    const late = await measureAlone(firstGoesFirst ? second : first);
    const [a, b] = firstGoesFirst ? [early, late] : [late, early];
    rounds.push([a, b]);
    const show = (round: Round): string => `${round.requestsPerSecond.toFixed(0)} req/s (${round.cpuMicrosPerRequest.toFixed(0)} CPU us/req)`;
    log(`  pair ${pair}: ${first.label} ${show(a)}, ${second.label} ${show(b)}`);
  }
  const figures = (index: 0 | 1): SideFigures => ({
    requestsPerSecond: median(rounds.map((pair) => pair[index].requestsPerSecond)),
    cpuMicrosPerRequest: Math.round(median(rounds.map((pair) => pair[index].cpuMicrosPerRequest))),
  });
  const pairRatios = rounds.map(([a, b]) => a.requestsPerSecond / b.requestsPerSecond).sort((x, y) => x - y);
  return {
    first: figures(0),
    second: figures(1),
    ratio: median(pairRatios),
    pairRatios: pairRatios.map((ratio) => Number(ratio.toFixed(3))),
    cpuRatio: median(rounds.map(([a, b]) => a.cpuMicrosPerRequest / b.cpuMicrosPerRequest)),
    rounds: rounds.map(([a, b]) => [a.requestsPerSecond, b.requestsPerSecond]),
  };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
