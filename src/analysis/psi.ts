// The population stability index (PSI) between the stable revision's predictions (the reference) and the
// candidate's over the same interval, and small summaries of each for people to read. Pure.
//
// Why PSI (docs/rollouts.md has the long form): it is the shift measure model-risk and credit-scoring teams
// have used for decades, with a well-known reading (below 0.1 no shift, 0.1-0.25 moderate, above 0.25 a
// major shift); it works unchanged on class frequencies and on binned numeric values, so one statistic and
// one threshold cover both kinds of output; and it needs only counts per bin, which is what the runtime's
// summaries are. Kolmogorov-Smirnov has no meaning for unordered classes; Wasserstein's value is in the
// output's own units, so a threshold would have to be chosen per model.

import { OVERFLOW_BIN, total } from './predictions.ts';
import type { OutputKind } from './predictions.ts';

/** Numeric outputs are compared over this many ranges, cut at the reference's quantiles (deciles). */
export const PSI_GROUPS = 10;
/**
 * Added to every group's count on both sides before taking shares: a group one side never hit would
 * otherwise make ln(share) infinite. Half a count is Jeffreys' prior; it matters only for tiny windows.
 */
const SMOOTHING = 0.5;

/** PSI = Σ (c − s) · ln(c / s) over groups, c and s the candidate's and the reference's shares. */
export function populationStabilityIndex(reference: ReadonlyMap<string, number>, candidate: ReadonlyMap<string, number>, kind: OutputKind): number {
  const groups = kind === 'class' ? classGroups(reference, candidate) : numericGroups(reference, candidate);
  const refTotal = groups.reduce((a, g) => a + g.reference + SMOOTHING, 0);
  const candTotal = groups.reduce((a, g) => a + g.candidate + SMOOTHING, 0);
  let psi = 0;
  for (const g of groups) {
    const s = (g.reference + SMOOTHING) / refTotal;
    const c = (g.candidate + SMOOTHING) / candTotal;
    psi += (c - s) * Math.log(c / s);
  }
  return psi;
}

interface Group {
  reference: number;
  candidate: number;
}

function classGroups(reference: ReadonlyMap<string, number>, candidate: ReadonlyMap<string, number>): Group[] {
  const classes = new Set([...reference.keys(), ...candidate.keys()]);
  return [...classes].map((k) => ({ reference: reference.get(k) ?? 0, candidate: candidate.get(k) ?? 0 }));
}

/**
 * Bins in value order, cut into up to PSI_GROUPS ranges each holding about a tenth of the reference: equal
 * reference shares make the index comparable between models and keep sparse fine bins from inflating it.
 * The first range reaches down to −∞ and the last up to +∞, so candidate values beyond anything the
 * reference returned still count (in the outermost ranges). Overflow counts form one range of their own.
 */
function numericGroups(reference: ReadonlyMap<string, number>, candidate: ReadonlyMap<string, number>): Group[] {
  const bins = [...new Set([...reference.keys(), ...candidate.keys()])].filter((b) => b !== OVERFLOW_BIN).sort((a, b) => Number(a) - Number(b));
  const refTotal = total(reference) - (reference.get(OVERFLOW_BIN) ?? 0);
  const groups: Group[] = [{ reference: 0, candidate: 0 }];
  let seen = 0;
  for (const bin of bins) {
    const r = reference.get(bin) ?? 0;
    let current = groups.at(-1)!;
    // Start a new range once the current one holds its share of the reference and this bin adds to it.
    if (r > 0 && current.reference > 0 && seen >= (groups.length * refTotal) / PSI_GROUPS) {
      current = { reference: 0, candidate: 0 };
      groups.push(current);
    }
    current.reference += r;
    current.candidate += candidate.get(bin) ?? 0;
    seen += r;
  }
  const overflow = { reference: reference.get(OVERFLOW_BIN) ?? 0, candidate: candidate.get(OVERFLOW_BIN) ?? 0 };
  if (overflow.reference + overflow.candidate > 0) groups.push(overflow);
  return groups;
}

/** What people read of one side's predictions: numeric quantiles, or the most frequent classes' shares. */
export interface DistributionSummary {
  samples: number;
  p10?: number;
  p50?: number;
  p90?: number;
  /** Class → share of values (0-1), the most frequent classes only. */
  classes?: Record<string, number>;
}

export const MAX_CLASSES_SHOWN = 8;

export function summarise(counts: ReadonlyMap<string, number>, kind: OutputKind): DistributionSummary {
  const samples = total(counts);
  if (samples === 0) return { samples: 0 };
  if (kind === 'class') {
    const top = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, MAX_CLASSES_SHOWN);
    return { samples, classes: Object.fromEntries(top.map(([k, n]) => [k, round(n / samples, 4)])) };
  }
  const sorted = [...counts].filter(([b]) => b !== OVERFLOW_BIN).sort((a, b) => Number(a[0]) - Number(b[0]));
  const at = (q: number): number | undefined => {
    let seen = 0;
    for (const [bin, n] of sorted) {
      seen += n;
      if (seen >= q * samples) return Number(bin);
    }
    return undefined;
  };
  const out: DistributionSummary = { samples };
  for (const [key, q] of [['p10', 0.1], ['p50', 0.5], ['p90', 0.9]] as const) {
    const v = at(q);
    if (v !== undefined) out[key] = v;
  }
  return out;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
