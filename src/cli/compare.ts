/**
 * The A/B view: the stable revision and the candidate side by side over the latest analysis interval
 * (requests, error rate, latency percentiles, what each predicted) and the prediction shift between them.
 * Printed by `kubectl modelship compare` and as a section of `status`. Pure text rendering.
 */
import type { AnalysisMeasurement, ModelDeployment } from '../api/types.ts';
import { age, table } from './format.ts';

type Distribution = NonNullable<AnalysisMeasurement['prediction']>['candidate'];

/** The latest measurement that compared both revisions: the one with the most to show. */
export function latestComparison(md: ModelDeployment): AnalysisMeasurement | undefined {
  const ms = md.status?.analysis?.measurements ?? [];
  return [...ms].reverse().find((m) => m.stableRequests !== undefined || m.prediction !== undefined) ?? ms.at(-1);
}

export function comparisonLines(md: ModelDeployment, now: number): string[] {
  const m = latestComparison(md);
  const stable = md.status?.stableRevision;
  const candidate = md.status?.canaryRevision;
  if (!m || !candidate) return [];
  const p = m.prediction;
  const head = `stable ${stable ? `v${stable.version}` : ''}`.trim();
  const cand = `candidate v${candidate.version} (${candidate.weight}%)`;
  const rows: string[][] = [
    ['requests', num(m.stableRequests), String(m.requests)],
    ['error rate', pct(m.stableErrorRate), pct(m.errorRate)],
    ['p50 latency', ms(m.stableP50LatencyMs), ms(m.p50LatencyMs)],
    ['p99 latency', ms(m.stableP99LatencyMs), ms(m.p99LatencyMs)],
  ];
  if (p) rows.push(...predictionRows(p.output, p.stable, p.candidate));
  const out = ['', `Comparison: (interval measured ${age(m.time, now)} ago, ${m.phase})`, ...table(['', head, cand], rows, '  ')];
  const totals = md.status?.analysis?.totals;
  if (totals && (md.status?.analysis?.successful ?? 0) + (md.status?.analysis?.failed ?? 0) + (md.status?.analysis?.inconclusive ?? 0) > 1) {
    const rate = (errors: number, requests: number) => (requests > 0 ? pct(errors / requests) : '-');
    out.push(
      `  since analysis began: stable ${totals.stableRequests} requests (${rate(totals.stableErrors, totals.stableRequests)} errors), ` +
        `candidate ${totals.requests} requests (${rate(totals.errors, totals.requests)} errors)`,
    );
  }
  if (p) {
    const verdict = p.value === undefined ? 'not computed: too few values' : `${p.value} (threshold ${p.threshold}${p.value > p.threshold ? ', exceeded' : ''})`;
    out.push(`  prediction shift (${p.statistic}, output ${p.output}): ${verdict}`);
  }
  return out;
}

/** `kubectl modelship compare`: the comparison, or why there is none. */
export function renderComparison(md: ModelDeployment, now: number): string {
  const lines = comparisonLines(md, now);
  if (lines.length > 0) return lines.slice(1).join('\n') + '\n';
  const why = md.status?.canaryRevision ? 'no analysis measurement yet (spec.rollout.analysis sets the interval)' : 'no candidate is rolling out';
  return `${md.metadata.name}: nothing to compare: ${why}\n`;
}

function predictionRows(output: string, stable: Distribution | undefined, candidate: Distribution): string[][] {
  const rows = [[`${output} values`, num(stable?.samples), String(candidate.samples)]];
  for (const q of ['p10', 'p50', 'p90'] as const) {
    if (candidate[q] !== undefined || stable?.[q] !== undefined) rows.push([`${output} ${q}`, num(stable?.[q]), num(candidate[q])]);
  }
  const classes = [...new Set([...Object.keys(stable?.classes ?? {}), ...Object.keys(candidate.classes ?? {})])].sort();
  for (const c of classes) rows.push([`${output} = ${c}`, pct(stable?.classes?.[c]), pct(candidate.classes?.[c])]);
  return rows;
}

function num(n: number | undefined): string {
  return n === undefined ? '-' : String(n);
}

function pct(x: number | undefined): string {
  return x === undefined ? '-' : `${(x * 100).toFixed(2)}%`;
}

function ms(x: number | undefined): string {
  return x === undefined ? '-' : `${x >= 100 ? x.toFixed(0) : x.toFixed(1)}ms`;
}
