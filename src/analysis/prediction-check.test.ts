import { test } from 'node:test';
import assert from 'node:assert/strict';
import { judge } from './judge.ts';
import type { Thresholds } from './judge.ts';
import type { PredictionCounts } from './predictions.ts';
import type { RequestCounters } from './runtime-metrics.ts';

const NOW = new Date('2026-11-27T20:00:00Z');
const healthy = (requests: number): RequestCounters => ({ requests, errors: 0, buckets: new Map([[0.005, requests * 0.5], [0.01, requests], [Infinity, requests]]) });
const check = { statistic: 'PSI' as const, threshold: 0.25, minSamples: 100 };

/** A probabilities output with `n` values: spread over 0..1 (a trained model) or bunched near a third (shuffled labels). */
function probabilities(n: number, shape: 'spread' | 'bunched'): PredictionCounts {
  const counts = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const u = (i + 0.5) / n;
    const v = shape === 'spread' ? u ** 3 : 0.3 + 0.07 * u;
    const bin = String(Number(v.toPrecision(2)));
    counts.set(bin, (counts.get(bin) ?? 0) + 1);
  }
  return new Map([
    ['label', { kind: 'class', position: 0, counts: new Map([['0', n / 3]]) }],
    ['probabilities', { kind: 'numeric', position: 1, counts }],
  ]);
}

test('a healthy candidate whose predictions moved fails for the shift alone, with both sides in the measurement', () => {
  const t: Thresholds = { minRequests: 20, maxErrorRate: 0.01, prediction: { ...check, output: 'probabilities' } };
  const m = judge({ candidate: healthy(200), stable: healthy(600), predictions: { candidate: probabilities(600, 'bunched'), stable: probabilities(1800, 'spread') } }, t, NOW);
  assert.equal(m.phase, 'Failed');
  assert.match(m.message ?? '', /^prediction shift: PSI [0-9.]+ of output probabilities above threshold 0\.25 \(candidate median 0\.3/);
  assert.ok((m.prediction?.value ?? 0) > 1);
  assert.equal(m.prediction?.stable?.samples, 1800);
  assert.deepEqual([m.requests, m.stableRequests, m.errorRate, m.stableErrorRate], [200, 600, 0, 0]);
  assert.ok(m.p50LatencyMs !== undefined && m.stableP50LatencyMs !== undefined);
});

test('the same predictions pass; the default output is the model\'s first', () => {
  const t: Thresholds = { minRequests: 20, prediction: check };
  const m = judge({ candidate: healthy(200), stable: healthy(600), predictions: { candidate: probabilities(600, 'spread'), stable: probabilities(1800, 'spread') } }, t, NOW);
  assert.equal(m.phase, 'Successful');
  assert.equal(m.prediction?.output, 'label');
  assert.equal(m.prediction?.value, 0);
});

test('too few predicted values leave the check unjudged: inconclusive, alone or beside other thresholds that pass', () => {
  const windows = { candidate: healthy(50), stable: healthy(50), predictions: { candidate: probabilities(60, 'bunched'), stable: probabilities(60, 'spread') } };
  const alone = judge(windows, { minRequests: 20, prediction: check }, NOW);
  assert.equal(alone.phase, 'Inconclusive');
  assert.match(alone.message ?? '', /the candidate returned 20, the stable revision returned 20 \(minSamples 100\)/);
  assert.equal(alone.prediction?.value, undefined);
  const beside = judge(windows, { minRequests: 20, maxErrorRate: 0.1, prediction: check }, NOW);
  assert.equal(beside.phase, 'Inconclusive');
  assert.match(beside.message ?? '', /\(minSamples 100\)/);
  // Other thresholds still fail the interval on their own.
  assert.equal(judge({ ...windows, candidate: { ...healthy(50), errors: 25 } }, { minRequests: 20, maxErrorRate: 0.1, prediction: check }, NOW).phase, 'Failed');
  const noStable = judge({ candidate: healthy(50), predictions: { candidate: probabilities(600, 'bunched') } }, { minRequests: 20, prediction: check }, NOW);
  assert.match(noStable.message ?? '', /no pods to compare with/);
});

test('a runtime that reports no summaries (an older image, or --prediction-summaries off) never passes the check', () => {
  const m = judge({ candidate: healthy(200), stable: healthy(600) }, { minRequests: 20, maxErrorRate: 0.1, prediction: check }, NOW);
  assert.equal(m.phase, 'Inconclusive');
  assert.match(m.message ?? '', /no prediction summaries from the runtime pods/);
});
