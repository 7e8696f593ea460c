import { test } from 'node:test';
import assert from 'node:assert/strict';
import { populationStabilityIndex, summarise } from './psi.ts';

/** Counts of `n` values drawn evenly from the quantile function `inv`, binned to 2 significant digits. */
function binned(n: number, inv: (u: number) => number): Map<string, number> {
  const out = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const bin = String(Number(inv((i + 0.5) / n).toPrecision(2)));
    out.set(bin, (out.get(bin) ?? 0) + 1);
  }
  return out;
}

test('PSI of a distribution with itself is 0, and grows with the shift', () => {
  const base = binned(1000, (u) => u);
  assert.ok(populationStabilityIndex(base, base, 'numeric') < 1e-9);
  const small = populationStabilityIndex(base, binned(1000, (u) => u * 1.1), 'numeric');
  const large = populationStabilityIndex(base, binned(1000, (u) => 0.3 + u * 0.1), 'numeric');
  assert.ok(small > 0 && small < 0.1, `a 10% stretch is a small shift: ${small}`);
  assert.ok(large > 1, `values squeezed around 0.35 are a major shift: ${large}`);
});

test('PSI is the textbook sum over groups for class frequencies', () => {
  const ref = new Map([['a', 500], ['b', 500]]);
  const cand = new Map([['a', 800], ['b', 200]]);
  // Shares with half a count added to each class on each side.
  const s = [500.5 / 1001, 500.5 / 1001];
  const c = [800.5 / 1001, 200.5 / 1001];
  const expected = (c[0]! - s[0]!) * Math.log(c[0]! / s[0]!) + (c[1]! - s[1]!) * Math.log(c[1]! / s[1]!);
  assert.ok(Math.abs(populationStabilityIndex(ref, cand, 'class') - expected) < 1e-12);
});

test('a class or value range only one side returned counts, finitely', () => {
  const psi = populationStabilityIndex(new Map([['0', 100]]), new Map([['0', 50], ['2', 50]]), 'class');
  assert.ok(Number.isFinite(psi) && psi > 0.25, `${psi}`);
  const beyond = populationStabilityIndex(binned(500, (u) => u), binned(500, (u) => 5 + u), 'numeric');
  assert.ok(Number.isFinite(beyond) && beyond > 1, `${beyond}`);
});

test('sampling noise between two windows of the same distribution stays well below 0.1', () => {
  // A deterministic stand-in for two random samples: the same distribution, interleaved differently.
  const a = binned(400, (u) => Math.exp(4 * u - 3));
  const b = binned(350, (u) => Math.exp(4 * Math.min(1, u + 0.001) - 3));
  assert.ok(populationStabilityIndex(a, b, 'numeric') < 0.05);
});

test('summaries: numeric quantiles, and class shares', () => {
  const s = summarise(binned(100, (u) => u), 'numeric');
  assert.equal(s.samples, 100);
  assert.ok(Math.abs(s.p50! - 0.5) < 0.02 && Math.abs(s.p90! - 0.9) < 0.02 && Math.abs(s.p10! - 0.1) < 0.02, JSON.stringify(s));
  assert.deepEqual(summarise(new Map([['1', 3], ['0', 1]]), 'class'), { samples: 4, classes: { '1': 0.75, '0': 0.25 } });
  assert.deepEqual(summarise(new Map(), 'class'), { samples: 0 });
});
