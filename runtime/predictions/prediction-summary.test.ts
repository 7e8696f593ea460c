import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_BINS, OVERFLOW, PredictionSummaries, RELATIVE_ACCURACY } from './prediction-summary.ts';
import { RuntimeMetrics } from '../metrics.ts';
import type { Tensor } from '../tensor/datatypes.ts';

const fp32 = (...values: number[]): Tensor => ({ datatype: 'FP32', shape: [values.length], data: new Float32Array(values) });
const int64 = (...values: number[]): Tensor => ({ datatype: 'INT64', shape: [values.length], data: new BigInt64Array(values.map(BigInt)) });

function countsOf(s: PredictionSummaries, output: string): Map<string, number> {
  return new Map(s.list().find((o) => o.summary.name === output)?.summary.counts());
}

test('numeric outputs are counted in bins whose value is within the relative accuracy of each value', () => {
  const s = new PredictionSummaries();
  const values = [0.01, 0.3, 0.31, 7, 1234.5, -2, -2.01];
  s.observe({ y: fp32(...values) });
  const counts = countsOf(s, 'y');
  assert.equal([...counts.values()].reduce((a, b) => a + b, 0), values.length);
  for (const v of values) {
    const near = [...counts.keys()].map(Number).filter((bin) => Math.abs(bin - v) <= RELATIVE_ACCURACY * Math.abs(v) * 1.01);
    assert.ok(near.length >= 1, `a bin within ${RELATIVE_ACCURACY} of ${v}: ${[...counts.keys()]}`);
  }
  assert.ok([...counts.keys()].some((bin) => Number(bin) < 0), 'negative values keep their sign');
});

test('zero has its own bin and NaN is not counted', () => {
  const s = new PredictionSummaries();
  s.observe({ y: fp32(0, 0, Number.NaN, 1) });
  const counts = countsOf(s, 'y');
  assert.equal(counts.get('0'), 2);
  assert.equal([...counts.values()].reduce((a, b) => a + b, 0), 3);
});

test('integer outputs are classes, counted over batches; outputs keep the model\'s declared order', () => {
  const s = new PredictionSummaries();
  s.observe({ probabilities: fp32(0.2, 0.8), label: int64(1, 2) });
  s.observe({ probabilities: fp32(0.6, 0.4), label: int64(1, 0) });
  s.setOrder(['label', 'probabilities']);
  assert.deepEqual(s.list().map((o) => [o.position, o.summary.name, o.summary.kind]), [[0, 'label', 'class'], [1, 'probabilities', 'numeric']]);
  assert.deepEqual(Object.fromEntries(countsOf(s, 'label')), { '0': 1, '1': 2, '2': 1 });
});

test('bins stay bounded: past the limit new bins are counted as overflow', () => {
  const s = new PredictionSummaries();
  s.observe({ label: int64(...Array.from({ length: MAX_BINS + 10 }, (_, i) => i)) });
  const counts = countsOf(s, 'label');
  assert.equal(counts.size, MAX_BINS + 1);
  assert.equal(counts.get(OVERFLOW), 10);
});

test('/metrics carries the summaries per output, and none when they are turned off', async () => {
  const live = { inflightRequests: () => 0, queueDepth: () => 0 };
  const on = new RuntimeMetrics('iris', '3', live);
  on.outputsDeclared(['label', 'probabilities']);
  on.predicted({ label: int64(1, 1, 2), probabilities: fp32(0.5) });
  const text = await on.text();
  assert.match(text, /modelship_prediction_outputs\{model="iris",version="3",output="label",position="0",kind="class"\} 1/);
  assert.match(text, /modelship_prediction_classes_total\{model="iris",version="3",output="label",class="1"\} 2/);
  assert.match(text, /modelship_prediction_values_total\{model="iris",version="3",output="probabilities",bin="0\.[0-9]+"\} 1/);
  const off = new RuntimeMetrics('iris', '3', live, { predictionSummaries: false });
  off.predicted({ label: int64(1) });
  assert.doesNotMatch(await off.text(), /modelship_prediction/);
});
