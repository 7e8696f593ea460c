import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { realizedWeight, splitReplicas, splitTolerance, stableReplicas } from './split.ts';

describe('splitReplicas', () => {
  test('is exact when the weight divides the total', () => {
    assert.deepEqual(splitReplicas(4, 25), { candidate: 1, stable: 3 });
    assert.deepEqual(splitReplicas(10, 50), { candidate: 5, stable: 5 });
  });

  test('rounds both sides up otherwise, so each gets at least its share', () => {
    assert.deepEqual(splitReplicas(1, 10), { candidate: 1, stable: 1 });
    assert.deepEqual(splitReplicas(3, 50), { candidate: 2, stable: 2 });
    assert.deepEqual(splitReplicas(3, 10), { candidate: 1, stable: 3 });
  });

  test('does not turn a floating-point crumb into an extra pod', () => {
    // 10 × 30 / 100 is 3, but 10 × 0.3 is 3.0000000000000004
    assert.deepEqual(splitReplicas(10, 30), { candidate: 3, stable: 7 });
  });

  test('puts everything on one side at 0 and 100, and nothing anywhere at total 0', () => {
    assert.deepEqual(splitReplicas(5, 0), { candidate: 0, stable: 5 });
    assert.deepEqual(splitReplicas(5, 100), { candidate: 5, stable: 0 });
    assert.deepEqual(splitReplicas(0, 50), { candidate: 0, stable: 0 });
  });

  test('keeps the candidate\'s share of pods within 1/(total+1) of the weight for every total and weight', () => {
    for (let total = 1; total <= 30; total++) {
      for (let weight = 0; weight <= 100; weight++) {
        const { candidate, stable } = splitReplicas(total, weight);
        assert.ok(candidate + stable === total || candidate + stable === total + 1, `${total} ${weight}`);
        const share = candidate / (candidate + stable);
        assert.ok(Math.abs(share - weight / 100) <= 1 / (total + 1) + 1e-12, `${total} replicas at ${weight}%: ${candidate}+${stable}`);
        assert.ok(splitTolerance(total, weight) <= 1 / (total + 1) + 1e-12);
      }
    }
  });
});

describe('stableReplicas', () => {
  test('keeps stable at full size until canary pods are Ready', () => {
    const split = splitReplicas(4, 50);
    assert.equal(stableReplicas(4, split, 0), 4);
    assert.equal(stableReplicas(4, split, 1), 3);
    assert.equal(stableReplicas(4, split, 2), 2);
  });

  test('never goes below the split\'s share, whatever is Ready', () => {
    assert.equal(stableReplicas(4, splitReplicas(4, 25), 4), 3);
  });
});

test('realizedWeight is the candidate\'s share of Ready pods', () => {
  assert.equal(realizedWeight(1, 3), 25);
  assert.equal(realizedWeight(0, 0), 0);
  assert.equal(realizedWeight(2, 0), 100);
});
