import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { judge, latestMeasurement, recordMeasurement, startAnalysis } from './judge.ts';
import type { RequestCounters } from './runtime-metrics.ts';

const now = new Date('2026-03-01T10:00:00Z');

/** `requests` requests, `errors` of them 5xx, with the given fraction answered within 10ms and the rest within 1s. */
function traffic(requests: number, errors: number, fastShare = 1): RequestCounters {
  const fast = Math.round(requests * fastShare);
  return { requests, errors, buckets: new Map([[0.01, fast], [1, requests], [Infinity, requests]]) };
}

describe('judge', () => {
  test('is Inconclusive below minRequests', () => {
    const m = judge({ candidate: traffic(5, 5) }, { minRequests: 20, maxErrorRate: 0.01 }, now);
    assert.equal(m.phase, 'Inconclusive');
    assert.equal(m.requests, 5);
    assert.match(m.message ?? '', /fewer than minRequests 20/);
  });

  test('fails on an error rate above maxErrorRate and says by how much', () => {
    const m = judge({ candidate: traffic(100, 5) }, { minRequests: 20, maxErrorRate: 0.01 }, now);
    assert.equal(m.phase, 'Failed');
    assert.equal(m.errorRate, 0.05);
    assert.equal(m.time, '2026-03-01T10:00:00Z');
    assert.match(m.message ?? '', /error rate 5% above maxErrorRate 1% \(5 of 100 requests answered 5xx\)/);
  });

  test('passes at exactly maxErrorRate', () => {
    assert.equal(judge({ candidate: traffic(100, 1) }, { minRequests: 20, maxErrorRate: 0.01 }, now).phase, 'Successful');
  });

  test('fails on a p99 above maxP99LatencyMs', () => {
    const m = judge({ candidate: traffic(100, 0, 0.5) }, { minRequests: 20, maxP99LatencyMs: 100 }, now);
    assert.equal(m.phase, 'Failed');
    assert.ok((m.p99LatencyMs ?? 0) > 900);
  });

  test('compares p99 with stable\'s when maxP99LatencyRatio is set', () => {
    const t = { minRequests: 20, maxP99LatencyRatio: 2 };
    const slow = judge({ candidate: traffic(100, 0, 0.5), stable: traffic(100, 0) }, t, now);
    assert.equal(slow.phase, 'Failed');
    assert.ok(slow.stableP99LatencyMs !== undefined && slow.stableP99LatencyMs < 10);
    assert.equal(judge({ candidate: traffic(100, 0), stable: traffic(100, 0) }, t, now).phase, 'Successful');
  });

  test('cannot judge a ratio without stable traffic; other thresholds still decide', () => {
    assert.equal(judge({ candidate: traffic(100, 0), stable: traffic(3, 0) }, { minRequests: 20, maxP99LatencyRatio: 2 }, now).phase, 'Inconclusive');
    assert.equal(judge({ candidate: traffic(100, 0) }, { minRequests: 20, maxP99LatencyRatio: 2, maxErrorRate: 0.1 }, now).phase, 'Successful');
  });
});

describe('the analysis tally', () => {
  const ok = judge({ candidate: traffic(100, 0) }, { minRequests: 1, maxErrorRate: 0 }, now);
  const bad = judge({ candidate: traffic(100, 50) }, { minRequests: 1, maxErrorRate: 0 }, now);
  const quiet = judge({ candidate: traffic(0, 0) }, { minRequests: 1, maxErrorRate: 0 }, now);

  test('fails once more than failureLimit measurements failed', () => {
    let tally = startAnalysis('abc');
    tally = recordMeasurement(tally, bad, 1);
    assert.equal(tally.phase, 'Running');
    tally = recordMeasurement(tally, quiet, 1);
    tally = recordMeasurement(tally, ok, 1);
    tally = recordMeasurement(tally, bad, 1);
    assert.equal(tally.phase, 'Failed');
    assert.deepEqual([tally.successful, tally.failed, tally.inconclusive], [1, 2, 1]);
    assert.equal(latestMeasurement(tally), bad);
  });

  test('keeps the newest ten measurements and stops counting once decided', () => {
    let tally = startAnalysis('abc');
    for (let i = 0; i < 12; i++) tally = recordMeasurement(tally, ok, 0);
    assert.equal(tally.measurements?.length, 10);
    assert.equal(tally.successful, 12);
    const failed = recordMeasurement(tally, bad, 0);
    assert.equal(failed.phase, 'Failed');
    assert.equal(recordMeasurement(failed, ok, 0), failed);
  });
});

test('the tally sums both revisions\' requests and errors over every measurement, beyond the ten kept', () => {
  let tally = startAnalysis('abc');
  for (let i = 0; i < 12; i++) {
    const m = { time: '2026-11-27T20:00:00Z', phase: 'Successful' as const, requests: 1000, errorRate: 0.003, stableRequests: 3000, stableErrorRate: 0.001 };
    tally = recordMeasurement(tally, m, 100);
  }
  assert.equal(tally.measurements?.length, 10);
  assert.deepEqual(tally.totals, { requests: 12_000, errors: 36, stableRequests: 36_000, stableErrors: 36 });
});
