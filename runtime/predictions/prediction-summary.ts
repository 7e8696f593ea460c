// What the runtime has predicted, per output of the served model: a DDSketch-style summary of numeric
// outputs (values counted in logarithmic bins of fixed relative width) and the frequency of each class for
// class outputs. docs/adr/0008-prediction-summaries.md says why these and not bins learned from warm-up.
//
// The counts only ever grow, like every other counter the operator scrapes: a window is the difference of
// two scrapes, and the pods of a revision add up. The bins depend on the value alone (never on what was
// seen before), so two revisions' summaries line up bin for bin without any coordination.

// The package is CommonJS and exports its mapping only from this module below its main entry: a default
// import is how ESM reads a CommonJS module's exports.
import mappings from '@datadog/sketches-js/dist/ddsketch/mapping/index.js';
import type { Datatype, Tensor } from '../tensor/datatypes.ts';

const { LogarithmicMapping } = mappings;

/**
 * Relative width of a bin: a value is known to within 5%. Coarse on purpose: the drift statistic groups
 * bins into about ten ranges anyway, and fewer bins keep /metrics small (about 23 bins per decade).
 */
export const RELATIVE_ACCURACY = 0.05;
/** At most this many bins or classes per output; what falls outside them is counted in OVERFLOW. */
export const MAX_BINS = 256;
export const OVERFLOW = 'overflow';

export type OutputKind = 'numeric' | 'class';

const NUMERIC: ReadonlySet<Datatype> = new Set(['FP32', 'FP64']);
const CLASS: ReadonlySet<Datatype> = new Set(['BOOL', 'INT8', 'INT16', 'INT32', 'INT64', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'BYTES']);

/** Floats are distributions; integers, booleans and strings are labels. FP16 (raw bits) is not summarised. */
export function outputKind(datatype: Datatype): OutputKind | undefined {
  if (NUMERIC.has(datatype)) return 'numeric';
  if (CLASS.has(datatype)) return 'class';
  return undefined;
}

const mapping = new LogarithmicMapping(RELATIVE_ACCURACY);

/** One output's counts: bin label (or class) → values. */
export class OutputSummary {
  readonly name: string;
  readonly kind: OutputKind;
  /** Numeric: bin key → count; a negative value's key carries + 0.5 (see #addNumber). */
  readonly #numeric = new Map<number, number>();
  readonly #classes = new Map<string, number>();
  #zeros = 0;
  #overflow = 0;

  constructor(name: string, kind: OutputKind) {
    this.name = name;
    this.kind = kind;
  }

  add(tensor: Tensor): void {
    const data = tensor.data;
    if (this.kind === 'numeric') {
      for (let i = 0; i < data.length; i++) this.#addNumber(Number(data[i]));
    } else {
      for (let i = 0; i < data.length; i++) this.#addClass(String(data[i]));
    }
  }

  #addNumber(v: number): void {
    if (Number.isNaN(v)) return;
    const magnitude = Math.abs(v);
    if (magnitude < mapping.minPossible) {
      this.#zeros++;
      return;
    }
    // Keys of positive values are stored as themselves, of negative values as key + 0.5: one map, no clash.
    const key = mapping.key(Math.min(magnitude, mapping.maxPossible)) + (v < 0 ? 0.5 : 0);
    const count = this.#numeric.get(key);
    if (count !== undefined) this.#numeric.set(key, count + 1);
    else if (this.#numeric.size < MAX_BINS) this.#numeric.set(key, 1);
    else this.#overflow++;
  }

  #addClass(label: string): void {
    const count = this.#classes.get(label);
    if (count !== undefined) this.#classes.set(label, count + 1);
    else if (this.#classes.size < MAX_BINS) this.#classes.set(label, 1);
    else this.#overflow++;
  }

  /** Every non-empty bin (numeric: its representative value as text) or class with its count. */
  counts(): Array<[string, number]> {
    const out: Array<[string, number]> = [];
    if (this.kind === 'class') {
      out.push(...this.#classes);
    } else {
      if (this.#zeros > 0) out.push(['0', this.#zeros]);
      for (const [key, count] of this.#numeric) out.push([binLabel(key), count]);
    }
    if (this.#overflow > 0) out.push([OVERFLOW, this.#overflow]);
    return out;
  }
}

/** A bin's representative value (within RELATIVE_ACCURACY of every value in it), with its sign. */
function binLabel(key: number): string {
  const negative = key % 1 !== 0;
  const value = mapping.value(Math.floor(key));
  return String(Number((negative ? -value : value).toPrecision(6)));
}

/** The summaries of every output of one served model, created as the outputs are first seen. */
export class PredictionSummaries {
  readonly #outputs = new Map<string, OutputSummary | null>();
  /** Output names in the order the model declares them, for the operator's "first output" default. */
  readonly #order: string[];

  constructor(outputOrder: readonly string[] = []) {
    this.#order = [...outputOrder];
  }

  observe(outputs: Record<string, Tensor>): void {
    for (const name in outputs) {
      const tensor = outputs[name]!;
      let summary = this.#outputs.get(name);
      if (summary === undefined) {
        const kind = outputKind(tensor.datatype);
        summary = kind === undefined ? null : new OutputSummary(name, kind);
        this.#outputs.set(name, summary);
        if (!this.#order.includes(name)) this.#order.push(name);
      }
      summary?.add(tensor);
    }
  }

  setOrder(names: readonly string[]): void {
    this.#order.splice(0, this.#order.length, ...names, ...this.#order.filter((n) => !names.includes(n)));
  }

  /** Summarised outputs, in the model's order. */
  list(): Array<{ position: number; summary: OutputSummary }> {
    const out: Array<{ position: number; summary: OutputSummary }> = [];
    this.#order.forEach((name, position) => {
      const summary = this.#outputs.get(name);
      if (summary) out.push({ position, summary });
    });
    return out;
  }
}
