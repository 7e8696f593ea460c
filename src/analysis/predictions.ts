// What analysis reads of the runtime's prediction summaries (docs/adr/0008-prediction-summaries.md): per
// output, the count of values in each bin (numeric outputs) or of each class (class outputs). Like the
// request counters, they only grow: a window is the difference of two scrapes, and pods add up.

import type { MetricFamily } from './prometheus.ts';

export const PREDICTION_OUTPUTS = 'modelship_prediction_outputs';
export const PREDICTION_VALUES = 'modelship_prediction_values_total';
export const PREDICTION_CLASSES = 'modelship_prediction_classes_total';
/** The runtime's bin for values beyond its bin limit: counted, but with no place on the value axis. */
export const OVERFLOW_BIN = 'overflow';

export type OutputKind = 'numeric' | 'class';

export interface OutputCounts {
  kind: OutputKind;
  /** Position among the model's outputs (0: the first). */
  position: number;
  /** Bin (a representative value, as text) or class → values. */
  counts: Map<string, number>;
}

/** Output name → its counts. */
export type PredictionCounts = Map<string, OutputCounts>;

export function predictionCounts(families: Map<string, MetricFamily>): PredictionCounts {
  const out: PredictionCounts = new Map();
  for (const s of families.get(PREDICTION_OUTPUTS)?.samples ?? []) {
    const { output, position, kind } = s.labels;
    if (output === undefined || (kind !== 'numeric' && kind !== 'class')) continue;
    out.set(output, { kind, position: Number(position ?? Number.NaN), counts: new Map() });
  }
  addSamples(out, families.get(PREDICTION_VALUES), PREDICTION_VALUES, 'bin');
  addSamples(out, families.get(PREDICTION_CLASSES), PREDICTION_CLASSES, 'class');
  return out;
}

function addSamples(out: PredictionCounts, family: MetricFamily | undefined, name: string, label: string): void {
  for (const s of family?.samples ?? []) {
    if (s.name !== name || !Number.isFinite(s.value)) continue;
    const key = s.labels[label];
    const output = s.labels.output;
    if (key === undefined || output === undefined) continue;
    const o = out.get(output);
    if (o) o.counts.set(key, (o.counts.get(key) ?? 0) + s.value);
  }
}

/** What was predicted between two scrapes of one pod; a count that went down means the process restarted. */
export function predictionDelta(previous: PredictionCounts, current: PredictionCounts): PredictionCounts {
  const reset = [...previous].some(([name, p]) => [...p.counts].some(([k, n]) => (current.get(name)?.counts.get(k) ?? 0) < n));
  const out: PredictionCounts = new Map();
  for (const [name, c] of current) {
    const before = reset ? undefined : previous.get(name)?.counts;
    const counts = new Map<string, number>();
    for (const [k, n] of c.counts) {
      const d = n - (before?.get(k) ?? 0);
      if (d > 0) counts.set(k, d);
    }
    out.set(name, { kind: c.kind, position: c.position, counts });
  }
  return out;
}

export function addPredictions(a: PredictionCounts, b: PredictionCounts): PredictionCounts {
  const out: PredictionCounts = new Map();
  for (const [name, o] of a) out.set(name, { ...o, counts: new Map(o.counts) });
  for (const [name, o] of b) {
    const into = out.get(name);
    if (!into) {
      out.set(name, { ...o, counts: new Map(o.counts) });
      continue;
    }
    for (const [k, n] of o.counts) into.counts.set(k, (into.counts.get(k) ?? 0) + n);
  }
  return out;
}

/** The output to compare: the named one, else the model's first summarised output. */
export function chooseOutput(counts: PredictionCounts, wanted: string | undefined): string | undefined {
  if (wanted !== undefined) return wanted;
  let best: [string, number] | undefined;
  for (const [name, o] of counts) if (best === undefined || o.position < best[1]) best = [name, o.position];
  return best?.[0];
}

export function total(counts: ReadonlyMap<string, number>): number {
  let n = 0;
  for (const v of counts.values()) n += v;
  return n;
}
