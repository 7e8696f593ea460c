import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseExposition } from './prometheus.ts';
import { addCounters, counterDelta, histogramQuantile, requestCounters } from './runtime-metrics.ts';
import type { RequestCounters } from './runtime-metrics.ts';

function exposition(ok: number, errors: number, buckets: Array<[string, number]>): string {
  const lines = [
    '# TYPE modelship_requests_total counter',
    `modelship_requests_total{model="m",version="1",protocol="v2",code="200"} ${ok}`,
    `modelship_requests_total{model="m",version="1",protocol="v2",code="500"} ${errors}`,
    'modelship_requests_total{model="m",version="1",protocol="v1",code="400"} 4',
    '# TYPE modelship_request_duration_seconds histogram',
  ];
  for (const [le, n] of buckets) {
    lines.push(`modelship_request_duration_seconds_bucket{le="${le}",model="m",version="1",protocol="v2"} ${n}`);
    lines.push(`modelship_request_duration_seconds_bucket{le="${le}",model="m",version="1",protocol="v1"} 0`);
  }
  return `${lines.join('\n')}\n`;
}

function counters(requests: number, errors: number, buckets: Array<[number, number]>): RequestCounters {
  return { requests, errors, buckets: new Map(buckets) };
}

describe('requestCounters', () => {
  test('sums requests over protocols and codes, counts 5xx as errors, and sums histogram buckets', () => {
    const c = requestCounters(parseExposition(exposition(90, 6, [['0.01', 50], ['0.1', 95], ['+Inf', 100]])));
    assert.equal(c.requests, 96); // 90 + 6: the four 400s are the client's doing and not judged
    assert.equal(c.errors, 6);
    assert.deepEqual([...c.buckets], [[0.01, 50], [0.1, 95], [Infinity, 100]]);
  });

  test('judges only 2xx and 5xx answers: floods of 401s, 404s or 429s cannot dilute the error rate', () => {
    const text = [
      '# TYPE modelship_requests_total counter',
      'modelship_requests_total{model="m",version="1",protocol="v2",code="200"} 50',
      'modelship_requests_total{model="m",version="1",protocol="v2",code="500"} 50',
      'modelship_requests_total{model="m",version="1",protocol="v2",code="401"} 5000',
      'modelship_requests_total{model="m",version="1",protocol="v1",code="404"} 700',
      'modelship_requests_total{model="m",version="1",protocol="v1",code="429"} 9',
      'modelship_requests_total{model="m",version="1",protocol="v1",code="413"} 3',
      '',
    ].join('\n');
    const c = requestCounters(parseExposition(text));
    assert.equal(c.requests, 100);
    assert.equal(c.errors, 50);
  });

  test('reads zero from a runtime that has not answered a request yet', () => {
    assert.deepEqual(requestCounters(parseExposition('# TYPE modelship_model_ready gauge\nmodelship_model_ready 1\n')), { requests: 0, errors: 0, buckets: new Map() });
  });
});

describe('counterDelta', () => {
  test('subtracts the earlier scrape', () => {
    const d = counterDelta(counters(10, 1, [[0.1, 8], [Infinity, 10]]), counters(30, 2, [[0.1, 20], [Infinity, 30]]));
    assert.deepEqual(d, counters(20, 1, [[0.1, 12], [Infinity, 20]]));
  });

  test('takes everything after a counter went down, since the process restarted', () => {
    const d = counterDelta(counters(500, 1, [[Infinity, 500]]), counters(7, 0, [[Infinity, 7]]));
    assert.deepEqual(d, counters(7, 0, [[Infinity, 7]]));
  });

  test('adds up the pods of a revision', () => {
    const sum = addCounters(counters(1, 0, [[0.1, 1]]), counters(2, 1, [[0.1, 1], [Infinity, 2]]));
    assert.deepEqual(sum, counters(3, 1, [[0.1, 2], [Infinity, 2]]));
  });
});

describe('histogramQuantile', () => {
  test('interpolates inside the bucket the rank falls in, as PromQL does', () => {
    // 100 requests: 50 ≤ 10ms, 40 in (10ms, 100ms], 10 in (100ms, 1s].
    const b = new Map([[0.01, 50], [0.1, 90], [1, 100], [Infinity, 100]]);
    assert.equal(histogramQuantile(0.5, b), 0.01);
    // rank 99 is the 9th of the 10 in (0.1, 1]: 0.1 + 0.9 × 0.9
    assert.ok(Math.abs((histogramQuantile(0.99, b) ?? 0) - 0.91) < 1e-9);
  });

  test('starts the first bucket at zero', () => {
    assert.ok(Math.abs((histogramQuantile(0.5, new Map([[0.2, 10], [Infinity, 10]])) ?? 0) - 0.1) < 1e-9);
  });

  test('answers the largest finite bound when the rank is in +Inf', () => {
    assert.equal(histogramQuantile(0.99, new Map([[0.1, 50], [0.5, 90], [Infinity, 100]])), 0.5);
  });

  test('is undefined for an empty histogram', () => {
    assert.equal(histogramQuantile(0.99, new Map([[0.1, 0], [Infinity, 0]])), undefined);
    assert.equal(histogramQuantile(0.99, new Map()), undefined);
  });
});
