import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeClient } from '../kube/client.ts';
import type { Pod } from '../kube/endpoints.ts';
import { PodMetrics } from './pod-metrics.ts';

const pod = (name: string, ip: string, ready = true, phase = 'Running'): Pod => ({
  metadata: { name },
  spec: { containers: [{ ports: [{ name: 'http', containerPort: 8080 }] }] },
  status: { podIP: ip, phase, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});

function fixture(expositions: Record<string, string | Error>) {
  const queries: unknown[] = [];
  const fetched: string[] = [];
  const client = {
    async get(path: string, opts: unknown) {
      queries.push([path, opts]);
      return { items: [pod('a', '10.0.0.1'), pod('b', '10.0.0.2'), pod('c', '10.0.0.3', false), pod('d', '10.0.0.4', true, 'Pending'), pod('e', '10.0.0.5')] };
    },
  } as unknown as KubeClient;
  let now = 1_000_000;
  const fetch = (async (url: string) => {
    fetched.push(url);
    const text = expositions[new URL(url).hostname];
    if (text instanceof Error) throw text;
    return new Response(text ?? '', { status: text === undefined ? 404 : 200 });
  }) as typeof globalThis.fetch;
  const metrics = new PodMetrics(client, { fetch, now: () => now, cacheMs: 2000 });
  return { metrics, queries, fetched, advance: (ms: number) => (now += ms) };
}

const gauge = (v: number) => `# TYPE modelship_inflight_requests gauge\nmodelship_inflight_requests{model="m",version="1"} ${v}\n`;

test('reads the gauge of the Running, Ready runtime pods the selector picks; pods that fail are left out', async () => {
  const f = fixture({ '10.0.0.1': gauge(3), '10.0.0.2': gauge(0), '10.0.0.5': new Error('timeout') });
  const values = await f.metrics.values('ml', 'app=fraud', 'modelship_inflight_requests');
  assert.deepEqual(values.map((v) => [v.pod, v.value]), [['a', 3], ['b', 0]]);
  assert.deepEqual(f.queries, [['/api/v1/namespaces/ml/pods', { query: { labelSelector: 'app=fraud,app.kubernetes.io/managed-by=modelship' } }]]);
  assert.deepEqual(f.fetched.sort(), ['http://10.0.0.1:8080/metrics', 'http://10.0.0.2:8080/metrics', 'http://10.0.0.5:8080/metrics']);
  assert.deepEqual(await f.metrics.values('ml', '', 'modelship_queue_depth'), [], 'a metric the pods do not export');
});

test('one scrape per pod is reused within the cache time, then taken again', async () => {
  const f = fixture({ '10.0.0.1': gauge(1), '10.0.0.2': gauge(2), '10.0.0.5': gauge(5) });
  await f.metrics.values('ml', '', 'modelship_inflight_requests', 'a');
  await f.metrics.values('ml', '', 'modelship_inflight_requests', 'a');
  assert.equal(f.fetched.length, 1);
  f.advance(2000);
  const [again] = await f.metrics.values('ml', '', 'modelship_inflight_requests', 'a');
  assert.equal(f.fetched.length, 2);
  assert.equal(again?.value, 1);
});
