// The prediction check of one measurement: the candidate's and the stable revision's predictions of one
// output over the same interval, side by side, and the shift between them judged against the threshold.

import type { DefaultedPredictionCheck, PredictionComparison } from '../api/types.ts';
import type { PredictionCounts } from './predictions.ts';
import { chooseOutput, total } from './predictions.ts';
import { populationStabilityIndex, summarise } from './psi.ts';

export interface PredictionVerdict {
  comparison?: PredictionComparison;
  /** Why the check failed, in words. */
  failure?: string;
  /** Why it could not judge this interval, in words. */
  unjudged?: string;
}

export function checkPredictions(check: DefaultedPredictionCheck, candidate: PredictionCounts, stable: PredictionCounts | undefined): PredictionVerdict {
  const output = chooseOutput(candidate, check.output) ?? chooseOutput(stable ?? new Map(), check.output);
  if (output === undefined) return { unjudged: 'no prediction summaries from the runtime pods' };
  const c = candidate.get(output);
  const s = stable?.get(output);
  const kind = c?.kind ?? s?.kind;
  if (kind === undefined) return { unjudged: `no output ${output} in the prediction summaries` };
  const cCounts = c?.counts ?? new Map<string, number>();
  const sCounts = s?.counts;
  const comparison: PredictionComparison = {
    output,
    statistic: check.statistic,
    threshold: check.threshold,
    candidate: summarise(cCounts, kind),
    ...(sCounts ? { stable: summarise(sCounts, kind) } : {}),
  };
  const few = [
    total(cCounts) < check.minSamples ? `the candidate returned ${total(cCounts)}` : undefined,
    sCounts === undefined ? 'the stable revision has no pods to compare with' : total(sCounts) < check.minSamples ? `the stable revision returned ${total(sCounts)}` : undefined,
  ].filter((x) => x !== undefined);
  if (few.length > 0 || sCounts === undefined) {
    return { comparison, unjudged: `output ${output}: ${few.join(', ')} (minSamples ${check.minSamples})` };
  }
  const value = round(populationStabilityIndex(sCounts, cCounts, kind), 4);
  comparison.value = value;
  if (value <= check.threshold) return { comparison };
  return { comparison, failure: `prediction shift: ${check.statistic} ${value} of output ${output} above threshold ${check.threshold} (${contrast(comparison)})` };
}

/** The two sides in a few words: medians for a numeric output, the top class's share for a class output. */
function contrast(c: PredictionComparison): string {
  const side = (d: PredictionComparison['candidate'] | undefined): string => {
    if (d?.p50 !== undefined) return `median ${d.p50}`;
    const top = Object.entries(d?.classes ?? {})[0];
    return top ? `class ${top[0]} ${Math.round(top[1] * 1000) / 10}%` : 'nothing';
  };
  return `candidate ${side(c.candidate)} over ${c.candidate.samples} values, stable ${side(c.stable)} over ${c.stable?.samples ?? 0}`;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
