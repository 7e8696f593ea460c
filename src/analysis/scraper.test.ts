import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MetricsScraper } from './scraper.ts';
import type { MeasureRequest, PodTarget } from './scraper.ts';

/** A fake fleet of runtime pods whose /metrics the test controls, and a clock the test moves. */
function fleet() {
  const counts = new Map<string, { ok: number; errors: number }>();
  const down = new Set<string>();
  let now = 1_000_000;
  const fetch = (async (url: string | URL | Request) => {
    const host = new URL(String(url)).host;
    if (down.has(host)) throw new Error('connect ECONNREFUSED');
    const c = counts.get(host) ?? { ok: 0, errors: 0 };
    const text = [
      '# TYPE modelship_requests_total counter',
      `modelship_requests_total{code="200"} ${c.ok}`,
      `modelship_requests_total{code="500"} ${c.errors}`,
      '# TYPE modelship_request_duration_seconds histogram',
      `modelship_request_duration_seconds_bucket{le="0.01"} ${c.ok + c.errors}`,
      `modelship_request_duration_seconds_bucket{le="+Inf"} ${c.ok + c.errors}`,
    ].join('\n');
    return new Response(text, { status: 200 });
  }) as typeof globalThis.fetch;
  return {
    serve(host: string, ok: number, errors = 0) {
      const c = counts.get(host) ?? { ok: 0, errors: 0 };
      counts.set(host, { ok: c.ok + ok, errors: c.errors + errors });
    },
    restart(host: string) {
      counts.set(host, { ok: 0, errors: 0 });
    },
    down,
    tick(ms: number) {
      now += ms;
    },
    scraper: new MetricsScraper({ fetch, now: () => now }),
  };
}

const pods: PodTarget[] = [
  { uid: 'c1', name: 'canary-1', hostPort: '127.0.0.2:8080', revision: 'new' },
  { uid: 's1', name: 'stable-1', hostPort: '127.0.0.3:8080', revision: 'old' },
  { uid: 's2', name: 'stable-2', hostPort: '127.0.0.4:8080', revision: 'old' },
];
const request: MeasureRequest = { candidate: 'new', stable: 'old', intervalMs: 10_000, thresholds: { minRequests: 10, maxErrorRate: 0.05 }, pods };

describe('MetricsScraper', () => {
  test('takes a baseline first, then measures what happened in each interval', async () => {
    const f = fleet();
    f.serve('127.0.0.2:8080', 1000, 500); // before analysis started: must not count
    const first = await f.scraper.measure('ns/m', request);
    assert.equal(first.measurement, undefined);
    assert.equal(first.nextInMs, 10_000);

    f.tick(4_000);
    const early = await f.scraper.measure('ns/m', request);
    assert.equal(early.measurement, undefined, 'no scrape before the interval is over');
    assert.equal(early.nextInMs, 6_000);

    f.serve('127.0.0.2:8080', 99, 1);
    f.serve('127.0.0.3:8080', 50);
    f.tick(6_000);
    const second = await f.scraper.measure('ns/m', request);
    assert.equal(second.measurement?.phase, 'Successful');
    assert.equal(second.measurement?.requests, 100);
    assert.equal(second.measurement?.errorRate, 0.01);

    f.serve('127.0.0.2:8080', 80, 20);
    f.tick(10_000);
    const third = await f.scraper.measure('ns/m', request);
    assert.equal(third.measurement?.phase, 'Failed');
    assert.equal(third.measurement?.errorRate, 0.2);
  });

  test('counts a restarted pod from zero and a new pod from its start', async () => {
    const f = fleet();
    f.serve('127.0.0.2:8080', 500);
    await f.scraper.measure('ns/m', request);
    f.restart('127.0.0.2:8080');
    f.serve('127.0.0.2:8080', 30);
    const withNew = [...pods, { uid: 'c2', name: 'canary-2', hostPort: '127.0.0.5:8080', revision: 'new' }];
    f.serve('127.0.0.5:8080', 12);
    f.tick(10_000);
    const r = await f.scraper.measure('ns/m', { ...request, pods: withNew });
    assert.equal(r.measurement?.requests, 42);
  });

  test('measures with the pods it can read and says how many it could not', async () => {
    const f = fleet();
    await f.scraper.measure('ns/m', request);
    f.down.add('127.0.0.3:8080');
    f.serve('127.0.0.2:8080', 50);
    f.tick(10_000);
    const r = await f.scraper.measure('ns/m', request);
    assert.equal(r.measurement?.phase, 'Successful');
    assert.equal(r.scrapeErrors.length, 1);
    assert.match(r.measurement?.message ?? '', /could not read 1 pod/);
  });

  test('starts over for a new candidate, and after forget', async () => {
    const f = fleet();
    await f.scraper.measure('ns/m', request);
    f.tick(10_000);
    assert.equal((await f.scraper.measure('ns/m', { ...request, candidate: 'newer' })).measurement, undefined);
    f.scraper.forget('ns/m');
    f.tick(10_000);
    assert.equal((await f.scraper.measure('ns/m', { ...request, candidate: 'newer' })).measurement, undefined);
  });
});
