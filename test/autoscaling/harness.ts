// Shared pieces of the autoscaling suites: readings of what the HPA and the model's pods see (kubectl top,
// the HPA's status, each pod's own request count).
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import type { V1Node, V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import type { Cluster } from '../../proving-ground/cluster.ts';
import { kubectl } from '../../proving-ground/test-cluster.ts';
import type { KubeClient } from '../../src/kube/client.ts';
import type { ModelDeploymentSpec } from '../../src/api/types.ts';
import type { OperatorProcess } from '../operator/harness.ts';
import { apply, isReady, modelSpec, runtimePods, waitForMd } from '../rollout/harness.ts';

export function hpaOf(client: KubeClient, namespace: string, name: string): Promise<V2HorizontalPodAutoscaler> {
  return client.get<V2HorizontalPodAutoscaler>(`/apis/autoscaling/v2/namespaces/${namespace}/horizontalpodautoscalers/${name}`);
}

/** The HPA's current CPU utilisation (percent of requests), or undefined before it has read any. */
export function currentCpuUtilization(hpa: V2HorizontalPodAutoscaler): number | undefined {
  return hpa.status?.currentMetrics?.find((metric) => metric.resource?.name === 'cpu')?.resource?.current.averageUtilization;
}

/** `kubectl top pods` of a namespace: CPU in millicores by pod name. */
export async function topPods(cluster: Cluster, namespace: string): Promise<Map<string, number>> {
  const out = await kubectl(cluster, 'top', 'pods', '-n', namespace, '--no-headers');
  const rows = out
    .trim()
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => line.trim().split(/\s+/));
  return new Map(rows.map(([pod, cpu]) => [pod ?? '', Number((cpu ?? '').replace(/m$/, ''))]));
}

/** Inference requests each runtime pod has answered (its own modelship_requests_total, through the pod proxy). */
export async function requestsByPod(cluster: Cluster, client: KubeClient, namespace: string, name: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const pod of await runtimePods(client, namespace, name)) {
    const podName = pod.metadata?.name ?? '';
    if (pod.status?.phase !== 'Running') continue;
    const text = await kubectl(cluster, 'get', '--raw', `/api/v1/namespaces/${namespace}/pods/${podName}:8080/proxy/metrics`).catch(() => '');
    const total = text
      .split('\n')
      .filter((line) => line.startsWith('modelship_requests_total{'))
      .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
    counts.set(podName, total);
  }
  return counts;
}

/**
 * A node's /metrics/resource, read as metrics-server reads it: straight from the kubelet API at the node's
 * InternalIP and status port, with metrics-server's client certificate. (The API server's node proxy
 * refuses the loopback address the proving ground's nodes have.)
 */
export async function kubeletResourceMetrics(cluster: Cluster, client: KubeClient, nodeName: string): Promise<string> {
  const node = await client.get<V1Node>(`/api/v1/nodes/${nodeName}`);
  const address = node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? '';
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port ?? 0;
  const pki = (name: string): string => readFileSync(join(cluster.layout.pkiDir, name), 'utf8');
  return new Promise((resolve, reject) => {
    const call = request(
      { host: address, port, path: '/metrics/resource', ca: pki('ca.crt'), cert: pki('metrics-server.crt'), key: pki('metrics-server.key') },
      (response) => {
        let body = '';
        response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        response.on('end', () => (response.statusCode === 200 ? resolve(body) : reject(new Error(`HTTP ${response.statusCode}: ${body}`))));
      },
    );
    call.on('error', reject);
    call.end();
  });
}

/**
 * Applies version 1 of an autoscaled model (probes every second, so new pods are Ready soon after they
 * start) with the given CPU request, and waits for it to be Ready.
 */
export async function applyAutoscaledModel(
  cluster: Cluster,
  client: KubeClient,
  op: OperatorProcess,
  target: { namespace: string; name: string; cpuRequest: string; autoscaling: NonNullable<ModelDeploymentSpec['autoscaling']> },
): Promise<void> {
  const { namespace, name, autoscaling } = target;
  const runtime = { readinessProbe: { periodSeconds: 1, failureThreshold: 2 }, resources: { requests: { cpu: target.cpuRequest, memory: '64Mi' } } };
  await apply(cluster, namespace, name, modelSpec('1', { replicas: autoscaling.minReplicas ?? 1, runtime, autoscaling }));
  await waitForMd(client, namespace, name, 'the ModelDeployment to be Ready', (md) => isReady(md), op);
}
