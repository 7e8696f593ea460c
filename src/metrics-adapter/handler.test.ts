import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PodMetricValue } from './documents.ts';
import { answer } from './handler.ts';
import { route } from './routes.ts';

const METRICS = ['modelship_inflight_requests', 'modelship_queue_depth'];
const at = new Date('2026-01-02T03:04:05.678Z');
const source = {
  asked: [] as unknown[][],
  async values(...args: unknown[]): Promise<PodMetricValue[]> {
    this.asked.push(args);
    const all = [
      { namespace: 'ml', pod: 'fraud-a', value: 3, at },
      { namespace: 'ml', pod: 'fraud-b', value: 0.25, at },
    ];
    return all.filter((v) => args[3] === undefined || v.pod === args[3]);
  },
};
const get = (path: string) => answer(route('GET', path), METRICS, source);
const BASE = '/apis/custom.metrics.k8s.io/v1beta2';

test('the discovery document lists one pods/<metric> resource per served metric', async () => {
  const { code, body } = await get(BASE);
  assert.equal(code, 200);
  assert.deepEqual(
    (body as { resources: Array<{ name: string; namespaced: boolean; verbs: string[] }> }).resources.map((r) => [r.name, r.namespaced, r.verbs]),
    METRICS.map((m) => [`pods/${m}`, true, ['get']]),
  );
  assert.deepEqual((await get('/apis')).body, { kind: 'APIGroupList', apiVersion: 'v1', groups: [(await get('/apis/custom.metrics.k8s.io')).body] });
});

test('a MetricValueList of the selected pods, values as quantities, with the selector passed on', async () => {
  const { code, body } = await get(`${BASE}/namespaces/ml/pods/*/modelship_inflight_requests?labelSelector=app%3Dfraud`);
  assert.equal(code, 200);
  assert.deepEqual(source.asked.at(-1), ['ml', 'app=fraud', 'modelship_inflight_requests', undefined]);
  assert.deepEqual(body, {
    kind: 'MetricValueList',
    apiVersion: 'custom.metrics.k8s.io/v1beta2',
    metadata: {},
    items: ['fraud-a', 'fraud-b'].map((name, i) => ({
      describedObject: { kind: 'Pod', namespace: 'ml', name, apiVersion: '/v1' },
      metric: { name: 'modelship_inflight_requests', selector: null },
      timestamp: '2026-01-02T03:04:05Z',
      windowSeconds: 0,
      value: ['3', '250m'][i],
    })),
  });
});

test('one named pod answers a list of one, or 404 when it reported nothing', async () => {
  const one = await get(`${BASE}/namespaces/ml/pods/fraud-b/modelship_queue_depth`);
  assert.deepEqual((one.body as { items: Array<{ describedObject: { name: string } }> }).items.map((i) => i.describedObject.name), ['fraud-b']);
  const none = await get(`${BASE}/namespaces/ml/pods/gone/modelship_queue_depth`);
  assert.equal(none.code, 404);
});

test('an unknown metric is a 404 Status naming what is served; a metric selector a 400', async () => {
  const unknown = await get(`${BASE}/namespaces/ml/pods/*/http_requests`);
  assert.equal(unknown.code, 404);
  assert.deepEqual({ ...(unknown.body as object), message: undefined }, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: undefined, reason: 'NotFound', code: 404 });
  assert.match((unknown.body as { message: string }).message, /could not find the metric http_requests for pods \(served: modelship_inflight_requests, modelship_queue_depth\)/);
  const selected = await get(`${BASE}/namespaces/ml/pods/*/modelship_queue_depth?metricLabelSelector=a%3Db`);
  assert.equal(selected.code, 400);
});
