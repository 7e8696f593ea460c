// A model scales on in-flight requests, not on CPU (ADR 0009): the chart's custom-metrics adapter serves the
// runtime pods' modelship_inflight_requests as custom.metrics.k8s.io/v1beta2 through the aggregation layer,
// and the operator's HPA (spec.autoscaling.targetInflightRequestsPerPod) reads it as a Pods metric next to
// CPU from metrics-server. Slow uploads keep requests in flight with the CPU near idle: the ModelDeployment
// scales up on requests while CPU stays under its target, and back to minReplicas once they stop.
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { before, describe, test } from 'node:test';
import type { V1PodList, V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import { startMetricsServer } from '../../proving-ground/metrics-server/metrics-server.ts';
import type { RunningMetricsServer } from '../../proving-ground/metrics-server/metrics-server.ts';
import { pollUntil } from '../../proving-ground/lib/wait.ts';
import { kubectl } from '../../proving-ground/test-cluster.ts';
import { selectorLabels, selectorString } from '../../src/builders/labels.ts';
import type { KubeClient } from '../../src/kube/client.ts';
import { adminClient } from '../operator/harness.ts';
import type { OperatorProcess } from '../operator/harness.ts';
import { clusterAddress, provideModels, rolloutCluster, startOperator, waitForMd } from '../rollout/harness.ts';
import { applyAutoscaledModel, currentCpuUtilization, hpaOf } from './harness.ts';
import { ADAPTER_NAMESPACE, installMetricsAdapter } from './metrics-adapter.ts';
import type { RunningAdapter } from './metrics-adapter.ts';
import { SlowRequests } from './slow-requests.ts';

const NS = 'requests';
const NAME = 'diabetes';
const MIN = 1;
const MAX = 3;
const CPU_TARGET = 90;
const METRIC = 'modelship_inflight_requests';
const API = '/apis/custom.metrics.k8s.io/v1beta2';

/** The HPA's reading of the in-flight Pods metric, as a number (its averageValue is a quantity). */
function currentInflight(hpa: V2HorizontalPodAutoscaler): number | undefined {
  const value = hpa.status?.currentMetrics?.find((m) => m.type === 'Pods' && m.pods?.metric.name === METRIC)?.pods?.current.averageValue;
  if (value === undefined) return undefined;
  const text = String(value);
  return text.endsWith('m') ? Number(text.slice(0, -1)) / 1000 : Number(text);
}

describe('a model scales on in-flight requests through the custom-metrics adapter, not on CPU', () => {
  let op: OperatorProcess | undefined;
  let metrics: RunningMetricsServer | undefined;
  let adapter: RunningAdapter | undefined;
  let load: SlowRequests | undefined;
  const suite = rolloutCluster(NS, async () => {
    await load?.stop();
    await adapter?.stop();
    await metrics?.stop();
    await op?.stop();
  });
  let client: KubeClient;
  const raw = (path: string) => kubectl(suite.cluster, 'get', '--raw', path);
  const podsPath = (metric: string) => `${API}/namespaces/${NS}/pods/*/${metric}?labelSelector=${encodeURIComponent(selectorString(selectorLabels({ metadata: { name: NAME } })))}`;

  before(async () => {
    const { cluster } = suite;
    client = adminClient(cluster);
    await provideModels(cluster, NS);
    [metrics, adapter] = await Promise.all([startMetricsServer(cluster, { resolutionSeconds: 10 }), installMetricsAdapter(cluster)]);
    op = await startOperator(cluster, 'requests');
    // A CPU request the idle-ish runtime stays far below, so CPU alone would never scale it.
    await applyAutoscaledModel(cluster, client, op, {
      namespace: NS,
      name: NAME,
      cpuRequest: '500m',
      autoscaling: { minReplicas: MIN, maxReplicas: MAX, targetCPUUtilizationPercentage: CPU_TARGET, targetInflightRequestsPerPod: 2, scaleDownStabilizationSeconds: 15 },
    });
  });

  const diagnose = async (): Promise<string> => {
    const hpa = await hpaOf(client, NS, NAME).catch(() => undefined);
    return `HPA status: ${JSON.stringify(hpa?.status)}\nadapter:\n${(await adapter?.logTail(10)) ?? ''}`;
  };

  test('the aggregator serves the adapter\'s discovery document and a 404 Status for a metric it does not serve', async () => {
    const discovery = JSON.parse(await raw(API)) as { groupVersion: string; resources: Array<{ name: string }> };
    assert.equal(discovery.groupVersion, 'custom.metrics.k8s.io/v1beta2');
    assert.deepEqual(discovery.resources.map((r) => r.name), ['pods/modelship_inflight_requests', 'pods/modelship_queue_depth']);
    await assert.rejects(raw(podsPath('http_requests_total')), /NotFound|could not find the metric http_requests_total/);
  });

  test('the adapter refuses a caller without the front proxy\'s client certificate', async () => {
    const pods = await client.get<V1PodList>(`/api/v1/namespaces/${ADAPTER_NAMESPACE}/pods?labelSelector=app.kubernetes.io%2Fcomponent%3Dmetrics-adapter`);
    const ip = pods.items[0]?.status?.podIP ?? '';
    const answer = await new Promise<{ code: number; body: string }>((resolve, reject) => {
      // The caller checks nothing about the adapter here: what is tested is what the adapter lets in.
      const call = request({ host: ip, port: 6443, path: podsPath(METRIC), rejectUnauthorized: false }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
      });
      call.on('error', reject);
      call.end();
    });
    assert.equal(answer.code, 401, answer.body);
    assert.match(answer.body, /"kind":"Status".*no client certificate signed by the requestheader client CA/);
  });

  test('under slow requests the API shows them in flight and the HPA scales up on them with CPU under its target', async (t) => {
    const idle = JSON.parse(await raw(podsPath(METRIC))) as { kind: string; items: Array<{ describedObject: { name: string }; value: string }> };
    assert.equal(idle.kind, 'MetricValueList');
    assert.deepEqual(idle.items.map((i) => i.value), ['0'], 'one Ready pod, nothing in flight yet');

    // Both metrics read before the load: the HPA's CPU reading (metrics-server) is there to show it stays low.
    let reading = '';
    await pollUntil(
      async () => {
        const hpa = await hpaOf(client, NS, NAME);
        reading = JSON.stringify(hpa.status);
        return currentCpuUtilization(hpa) !== undefined && currentInflight(hpa) !== undefined;
      },
      { description: 'the HPA to read both CPU and in-flight requests', timeoutMs: 90_000, intervalMs: 2000, diagnose: () => reading },
    );

    load = new SlowRequests(await clusterAddress(client, NS, NAME), NAME, { concurrency: 8, holdMs: 4000 });
    load.start();
    const busy = await pollUntil(
      async () => {
        const list = JSON.parse(await raw(podsPath(METRIC))) as { items: Array<{ value: string }> };
        return list.items.some((i) => Number(i.value) >= 2) && list;
      },
      { description: `${METRIC} of the pod to reach 2 through the aggregated API`, timeoutMs: 30_000, intervalMs: 1000, diagnose },
    );
    t.diagnostic(`kubectl get --raw ${podsPath(METRIC)}: ${JSON.stringify(busy.items.map((i) => i.value))}`);

    let last = '';
    const wanting = await pollUntil(
      async () => {
        const hpa = await hpaOf(client, NS, NAME);
        last = JSON.stringify(hpa.status);
        return (currentInflight(hpa) ?? 0) > 2 && (hpa.status?.desiredReplicas ?? 0) > MIN && hpa;
      },
      { description: 'the HPA to read in-flight requests above the target and want more replicas', timeoutMs: 120_000, intervalMs: 2000, diagnose: () => last },
    );
    const cpu = currentCpuUtilization(wanting);
    t.diagnostic(`HPA: ${currentInflight(wanting)} in flight per pod (target 2), CPU at ${cpu}% (target ${CPU_TARGET}%), ${wanting.status?.desiredReplicas} desired`);
    assert.ok(cpu !== undefined && cpu < CPU_TARGET, `CPU did not drive this: ${last}`);
    await waitForMd(client, NS, NAME, 'md.spec.replicas above minReplicas', (md) => md.spec.replicas !== undefined && md.spec.replicas > MIN, op, 60_000);
    // The new pods become Ready and the adapter reads each of them: the list has one item per Ready pod.
    const spread = await pollUntil(
      async () => {
        const list = JSON.parse(await raw(podsPath(METRIC))) as { items: Array<{ describedObject: { name: string }; value: string }> };
        return list.items.length > MIN && list;
      },
      { description: 'the adapter to list more than minReplicas Ready pods', timeoutMs: 90_000, intervalMs: 1000, diagnose },
    );
    t.diagnostic(`in flight by pod: ${JSON.stringify(spread.items.map((i) => [i.describedObject.name, i.value]))}`);
    const after = await hpaOf(client, NS, NAME);
    assert.ok((currentCpuUtilization(after) ?? CPU_TARGET) < CPU_TARGET, `CPU stays under its target: ${JSON.stringify(after.status)}`);
  });

  test('with the requests answered the HPA takes the ModelDeployment back to minReplicas', async () => {
    const summary = await load!.stop();
    load = undefined;
    assert.ok(summary.ok > 0, `slow requests answered: ${JSON.stringify(summary)}`);
    assert.deepEqual(summary.failures, [], 'every slow request was answered');
    await waitForMd(client, NS, NAME, `md.spec.replicas back at ${MIN}`, (md) => md.spec.replicas === MIN, op, 180_000);
    const hpa = await hpaOf(client, NS, NAME);
    assert.equal(currentInflight(hpa), 0, JSON.stringify(hpa.status));
  });
});
