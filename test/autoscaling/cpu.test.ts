// A loaded model scales on CPU: metrics-server (built from its Go module, a kube-system pod from the image
// built here) reads the local kubelet's /metrics/resource, the API server serves it as metrics.k8s.io
// through the aggregation layer, and the operator's HPA scales the ModelDeployment through /scale. Steady
// inference traffic through the Service raises the pods' CPU above the target; new pods become Ready and
// answer requests; with the traffic stopped, the HPA brings the ModelDeployment back to minReplicas
// (scaleDownStabilizationSeconds keeps that short: a spec field users set, not a test knob).
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { startMetricsServer } from '../../proving-ground/metrics-server/metrics-server.ts';
import type { RunningMetricsServer } from '../../proving-ground/metrics-server/metrics-server.ts';
import type { KubeClient } from '../../src/kube/client.ts';
import type { V1PodList, V1EndpointSliceList } from '@kubernetes/client-node';
import { METRICS_SERVER_IMAGE } from '../../proving-ground/metrics-server/image.ts';
import { adminClient, getMd } from '../operator/harness.ts';
import type { OperatorProcess } from '../operator/harness.ts';
import { SteadyTraffic, apply, isReady, modelSpec, provideModels, rolloutCluster, runtimePods, shareOf, sleep, startOperator, waitForMd } from '../rollout/harness.ts';
import type { ModelDeployment, ModelDeploymentSpec } from '../../src/api/types.ts';
import { splitReplicas, splitTolerance } from '../../src/rollout/split.ts';
import { applyAutoscaledModel, currentCpuUtilization, hpaOf, kubeletResourceMetrics, requestsByPod, topPods } from './harness.ts';
import { pollUntil } from '../../proving-ground/lib/wait.ts';
import { isPodReady } from '../../proving-ground/test-cluster.ts';

const NS = 'autoscaling';
const NAME = 'diabetes';
const MIN = 1;
const MAX = 3;

describe('a model scales on CPU with load and back down without it, also mid-canary', () => {
  let op: OperatorProcess | undefined;
  let metrics: RunningMetricsServer | undefined;
  const suite = rolloutCluster(NS, async () => {
    await metrics?.stop();
    await op?.stop();
  });
  let client: KubeClient;
  let traffic: SteadyTraffic | undefined;

  before(async () => {
    const { cluster } = suite;
    client = adminClient(cluster);
    await provideModels(cluster, NS);
    metrics = await startMetricsServer(cluster, { resolutionSeconds: 10 });
    op = await startOperator(cluster, 'autoscaling');
    // A small CPU request, so that a steady client on a shared two-core machine is well above the target.
    await applyAutoscaledModel(cluster, client, op, {
      namespace: NS,
      name: NAME,
      cpuRequest: '50m',
      autoscaling: { minReplicas: MIN, maxReplicas: MAX, targetCPUUtilizationPercentage: 50, scaleDownStabilizationSeconds: 20 },
    });
  });

  const diagnose = async (): Promise<string> => {
    const hpa = await hpaOf(client, NS, NAME).catch(() => undefined);
    return `HPA status: ${JSON.stringify(hpa?.status)}\nmetrics-server:\n${(await metrics?.logTail(10)) ?? ''}`;
  };

  test('metrics-server is a kube-system pod on the host network, from the image built here, in its Service\'s EndpointSlice', async () => {
    const pods = await client.get<V1PodList>('/api/v1/namespaces/kube-system/pods?labelSelector=k8s-app%3Dmetrics-server');
    assert.equal(pods.items.length, 1);
    const [pod] = pods.items;
    assert.equal(pod?.spec?.hostNetwork, true);
    assert.equal(pod?.spec?.containers[0]?.image, METRICS_SERVER_IMAGE);
    assert.ok(pod && isPodReady(pod));
    // The host end of the cluster link (where the API server serves), not the loopback hostIP.
    assert.equal(pod?.status?.podIP, new URL(suite.cluster.server).hostname);
    const slices = await client.get<V1EndpointSliceList>('/apis/discovery.k8s.io/v1/namespaces/kube-system/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Dmetrics-server');
    const endpoints = slices.items.flatMap((slice) => slice.endpoints ?? []);
    assert.deepEqual(endpoints.map((endpoint) => [endpoint.addresses, endpoint.conditions?.ready, endpoint.targetRef?.name]), [[[pod?.status?.podIP], true, pod?.metadata?.name]]);
    assert.deepEqual(slices.items[0]?.ports?.map((port) => port.port), [pod?.spec?.containers[0]?.ports?.[0]?.containerPort]);
  });

  test('the node\'s kubelet serves the model pod\'s usage at /metrics/resource', async () => {
    const [pod] = await runtimePods(client, NS, NAME);
    const node = pod?.spec?.nodeName ?? '';
    const text = await kubeletResourceMetrics(suite.cluster, client, node);
    const cpu = text.split('\n').find((line) => line.startsWith('container_cpu_usage_seconds_total{') && line.includes(`pod="${pod?.metadata?.name}"`));
    assert.match(cpu ?? '', /^container_cpu_usage_seconds_total\{container="[^"]+",namespace="autoscaling",pod="[^"]+"\} [0-9.e+-]+ \d{13}$/, text);
    const memory = text.split('\n').find((line) => line.startsWith('container_memory_working_set_bytes{') && line.includes(`pod="${pod?.metadata?.name}"`));
    assert.ok(Number(memory?.split(' ')[1]) > 10 * 1024 * 1024, `a runtime's working set is tens of MB: ${memory}`);
  });

  test('under steady load the HPA reads CPU, kubectl top shows it, and the ModelDeployment scales up', async (t) => {
    traffic = new SteadyTraffic(client, NS, NAME, NAME, { concurrency: 4, gapMs: 0 });
    await traffic.start();
    const top = await pollUntil(
      async () => {
        const pods = await topPods(suite.cluster, NS).catch(() => new Map<string, number>());
        return [...pods.values()].some((cpu) => cpu > 0) && pods;
      },
      { description: 'kubectl top pods to list the model pod with CPU in use', timeoutMs: 120_000, intervalMs: 2000, diagnose: async () => (await metrics?.logTail(10)) ?? '' },
    );
    const loaded = [...top].filter(([pod, cpu]) => pod.startsWith(NAME) && cpu > 0);
    assert.ok(loaded.length >= 1, `kubectl top pods: ${JSON.stringify([...top])}`);
    t.diagnostic(`kubectl top pods (millicores): ${JSON.stringify([...top])}`);

    let last: string | undefined;
    const wanting = await pollUntil(
      async () => {
        const hpa = await hpaOf(client, NS, NAME);
        last = JSON.stringify(hpa.status);
        return (currentCpuUtilization(hpa) ?? 0) > 50 && (hpa.status?.desiredReplicas ?? 0) > MIN && hpa;
      },
      { description: 'the HPA to read CPU above its target and want more replicas', timeoutMs: 180_000, intervalMs: 2000, diagnose: () => last ?? '' },
    );
    t.diagnostic(`HPA: CPU at ${currentCpuUtilization(wanting)}% of requests, ${wanting.status?.desiredReplicas} replicas desired`);
    await waitForMd(client, NS, NAME, 'md.spec.replicas above minReplicas', (md) => md.spec.replicas !== undefined && md.spec.replicas > MIN, op, 60_000);
  });

  test('the new pods become Ready and answer requests', async (t) => {
    const ready = await pollUntil(
      async () => {
        const pods = (await runtimePods(client, NS, NAME)).filter((pod) => !pod.metadata?.deletionTimestamp && isPodReady(pod));
        return pods.length > MIN && pods;
      },
      { description: 'more than minReplicas Ready pods', timeoutMs: 120_000, intervalMs: 1000, diagnose },
    );
    const names = ready.map((pod) => pod.metadata?.name ?? '');
    const answered = await pollUntil(
      async () => {
        const counts = await requestsByPod(suite.cluster, client, NS, NAME);
        return names.every((name) => (counts.get(name) ?? 0) > 0) && counts;
      },
      { description: `every Ready pod (${names.join(', ')}) to have answered requests`, timeoutMs: 60_000, intervalMs: 2000 },
    );
    assert.ok(names.length > MIN, JSON.stringify([...answered]));
    t.diagnostic(`requests answered by pod: ${JSON.stringify([...answered])}`);
    const summary = traffic!.snapshot();
    assert.equal(summary.failed, 0, `failed requests while scaling up: ${summary.failures.join('\n')}`);
  });

  test('without load the HPA scales the ModelDeployment back to minReplicas', async () => {
    const summary = await traffic!.stop();
    assert.equal(summary.failed, 0, summary.failures.join('\n'));
    await waitForMd(client, NS, NAME, `md.spec.replicas back at ${MIN}`, (md) => md.spec.replicas === MIN, op, 240_000);
    const md = await getMd(client, NS, NAME);
    assert.equal(md.spec.replicas, MIN);
    const hpa = await hpaOf(client, NS, NAME);
    assert.ok((currentCpuUtilization(hpa) ?? 100) < 50, `HPA status: ${JSON.stringify(hpa.status)}`);
  });

  test('mid-canary the HPA scales the total under load and back, and the split keeps the weight', async (t) => {
    const CANARY = 'canary';
    const weight = 50;
    const spec = (version: string): ModelDeploymentSpec =>
      modelSpec(version, {
        replicas: 2,
        runtime: { readinessProbe: { periodSeconds: 1, failureThreshold: 2 }, resources: { requests: { cpu: '50m', memory: '64Mi' } } },
        autoscaling: { minReplicas: 2, maxReplicas: 4, targetCPUUtilizationPercentage: 50, scaleDownStabilizationSeconds: 20 },
        rollout: { strategy: 'Canary', steps: [{ setWeight: weight }, { pause: {} }], progressDeadlineSeconds: 300 },
      });
    await apply(suite.cluster, NS, CANARY, spec('1'));
    await waitForMd(client, NS, CANARY, 'version 1 Ready', (md) => isReady(md), op);
    await apply(suite.cluster, NS, CANARY, spec('2'));
    const splitAt = (total: number) => (md: ModelDeployment): ModelDeployment | false => {
      const split = splitReplicas(total, weight);
      const candidate = md.status?.canaryRevision;
      const stable = md.status?.stableRevision;
      return md.spec.replicas === total && candidate?.step === 1 && candidate.readyReplicas === split.candidate && stable?.readyReplicas === split.stable && stable.replicas === split.stable && md;
    };
    await waitForMd(client, NS, CANARY, 'the canary paused at 50% of 2', splitAt(2), op, 180_000);

    const load = new SteadyTraffic(client, NS, CANARY, NAME, { concurrency: 4, gapMs: 0 });
    await load.start();
    // Two pods well above 50% of 50m each want more than the maximum: the HPA goes to 4 and stays there.
    await waitForMd(client, NS, CANARY, 'the HPA to take the canary to 4 replicas, split 2+2 and Ready', splitAt(4), op, 240_000);
    await sleep(1000); // kube-proxy's rules follow the EndpointSlices
    const since = Date.now();
    await sleep(4000);
    const { share, total: answers } = shareOf('2', load.versionsSince(since));
    const expected = splitReplicas(4, weight).candidate / 4;
    // The documented tolerance of the pod split (splitTolerance), plus kube-proxy's per-connection pick: 4 standard deviations.
    const noise = 4 * Math.sqrt((expected * (1 - expected)) / answers);
    assert.ok(answers >= 20, `only ${answers} answers`);
    assert.ok(Math.abs(share - weight / 100) <= splitTolerance(4, weight) + noise + 0.02, `version 2 answered ${(share * 100).toFixed(1)}% of ${answers}`);
    t.diagnostic(`at 4 replicas the candidate answered ${(share * 100).toFixed(1)}% of ${answers} requests (weight ${weight}%)`);
    const hpa = await hpaOf(client, NS, CANARY);
    assert.ok((currentCpuUtilization(hpa) ?? 0) > 0, `the HPA reads the pods of both revisions: ${JSON.stringify(hpa.status)}`);
    const summary = await load.stop();
    assert.equal(summary.failed, 0, summary.failures.join('\n'));

    const back = await waitForMd(client, NS, CANARY, 'the HPA to take the canary back to 2, split 1+1', splitAt(2), op, 240_000);
    assert.equal(back.status?.stableRevision?.version, '1', 'still mid-canary: the stable revision keeps serving its share');
  });
});
