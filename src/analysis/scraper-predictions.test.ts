import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MetricsScraper } from './scraper.ts';
import type { MeasureRequest, PodTarget } from './scraper.ts';

/** Runtime pods whose /metrics report `requests` answers and that many values, all in one class per pod. */
function fleet(classOf: Record<string, string>) {
  const served = new Map<string, number>();
  let now = 1_000_000;
  const fetch = (async (url: string | URL | Request) => {
    const host = new URL(String(url)).host;
    const n = served.get(host) ?? 0;
    const text = [
      '# TYPE modelship_requests_total counter',
      `modelship_requests_total{code="200"} ${n}`,
      '# TYPE modelship_prediction_outputs gauge',
      'modelship_prediction_outputs{output="label",position="0",kind="class"} 1',
      '# TYPE modelship_prediction_classes_total counter',
      `modelship_prediction_classes_total{output="label",class="${classOf[host]}"} ${n}`,
    ].join('\n');
    return new Response(text, { status: 200 });
  }) as typeof globalThis.fetch;
  return {
    serve: (host: string, n: number) => served.set(host, (served.get(host) ?? 0) + n),
    tick: (ms: number) => (now += ms),
    scraper: new MetricsScraper({ fetch, now: () => now }),
  };
}

const pods: PodTarget[] = [
  { uid: 'c1', name: 'canary-1', hostPort: '127.0.0.2:8080', revision: 'new' },
  { uid: 's1', name: 'stable-1', hostPort: '127.0.0.3:8080', revision: 'old' },
  { uid: 's2', name: 'stable-2', hostPort: '127.0.0.4:8080', revision: 'old' },
];
const request: MeasureRequest = {
  candidate: 'new',
  stable: 'old',
  intervalMs: 10_000,
  thresholds: { minRequests: 10, prediction: { statistic: 'PSI', threshold: 0.25, minSamples: 50 } },
  pods,
};

test('the scraper compares the candidate\'s predictions in the interval with the stable pods\' summed', async () => {
  const f = fleet({ '127.0.0.2:8080': '1', '127.0.0.3:8080': '1', '127.0.0.4:8080': '0' });
  f.serve('127.0.0.2:8080', 500); // before the baseline: not part of any window
  await f.scraper.measure('md', request);
  f.serve('127.0.0.2:8080', 100);
  f.serve('127.0.0.3:8080', 60);
  f.serve('127.0.0.4:8080', 60);
  f.tick(10_000);
  const { measurement } = await f.scraper.measure('md', request);
  assert.equal(measurement?.phase, 'Failed');
  assert.deepEqual(measurement?.prediction?.candidate, { samples: 100, classes: { '1': 1 } });
  assert.deepEqual(measurement?.prediction?.stable, { samples: 120, classes: { '0': 0.5, '1': 0.5 } });
  assert.deepEqual([measurement?.requests, measurement?.stableRequests], [100, 120]);
  assert.match(measurement?.message ?? '', /^prediction shift: PSI [0-9.]+ of output label above threshold 0\.25/);
});
