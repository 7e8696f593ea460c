// Shared pieces of the autoscaling suites: metrics-server beside the cluster, and readings of what the HPA
// and the model's pods see (kubectl top, the HPA's status, each pod's own request count).
import type { V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import type { Cluster } from '../../proving-ground/cluster.ts';
import { kubectl } from '../../proving-ground/test-cluster.ts';
import type { KubeClient } from '../../src/kube/client.ts';
import { runtimePods } from '../rollout/harness.ts';

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
