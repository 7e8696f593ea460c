// The baseline bench:operator measures the operator against: the same children a ModelDeployment gets
// (one Deployment of one simulated runtime pod, one Service), created directly by a client with
// server-side apply, N at a time, and timed until every Deployment is Available. Whatever the operator adds
// on top of this is its own cost; what both share is the cluster's.
import type { KubeClient } from '../src/kube/client.ts';
import type { KubeList } from '../src/kube/object.ts';
import type { V1Deployment } from '@kubernetes/client-node';
import { pollUntil } from '../proving-ground/lib/wait.ts';

const FIELD_MANAGER = 'bench-baseline';

function children(namespace: string, name: string, image: string): { deployment: object; service: object } {
  const labels = { 'app.kubernetes.io/name': 'bench-baseline', 'bench/model': name };
  return {
    deployment: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            // Pod Security `restricted`, as the operator's pods and the bench's namespaces have it.
            securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [
              {
                name: 'runtime',
                image,
                ports: [{ name: 'http', containerPort: 8080 }],
                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
              },
            ],
          },
        },
      },
    },
    service: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace, labels },
      spec: { selector: labels, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    },
  };
}

/** Seconds from the first create until all `count` Deployments are Available. */
export async function directCreationSeconds(client: KubeClient, namespace: string, count: number, concurrency: number, image: string): Promise<{ seconds: number; writes: number }> {
  const started = Date.now();
  let next = 0;
  let writes = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < count; i = next++) {
        const { deployment, service } = children(namespace, `model-${i}`, image);
        await client.apply(`/apis/apps/v1/namespaces/${namespace}/deployments/model-${i}`, deployment, FIELD_MANAGER);
        await client.apply(`/api/v1/namespaces/${namespace}/services/model-${i}`, service, FIELD_MANAGER);
        writes += 2;
      }
    }),
  );
  let available = 0;
  await pollUntil(
    async () => {
      const list = await client.get<KubeList<V1Deployment>>(`/apis/apps/v1/namespaces/${namespace}/deployments`);
      available = list.items.filter((d) => (d.status?.availableReplicas ?? 0) >= 1 && d.status?.observedGeneration === d.metadata?.generation).length;
      return available === count;
    },
    { description: `all ${count} baseline Deployments to be Available`, timeoutMs: 30 * 60_000, intervalMs: 1000, diagnose: () => `${available} available` },
  );
  return { seconds: (Date.now() - started) / 1000, writes };
}
