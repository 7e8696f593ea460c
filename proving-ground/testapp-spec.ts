import type { V1Container, V1Pod, V1SecurityContext } from '@kubernetes/client-node';

/** The test workload's image, built by `npm run images` from images/testapp.Dockerfile. */
export const TESTAPP_IMAGE = 'ghcr.io/modelship/testapp:dev';

/** What Pod Security `restricted` asks of every container. */
export const RESTRICTED_CONTAINER: V1SecurityContext = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

/** A testapp container that binds its pod IP (ADR 0001) and has a 1s readiness probe. */
export function testappContainer(extraArgs: string[] = [], overrides: Partial<V1Container> = {}): V1Container {
  return {
    name: 'app',
    image: TESTAPP_IMAGE,
    args: ['--host=$(POD_IP)', '--port=8080', ...extraArgs],
    env: [
      { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    ],
    ports: [{ name: 'http', containerPort: 8080 }],
    readinessProbe: { httpGet: { path: '/readyz', port: 'http' }, periodSeconds: 1 },
    securityContext: RESTRICTED_CONTAINER,
    ...overrides,
  };
}

/** http://<pod IP>:8080 */
export function podUrl(pod: V1Pod, path = '/'): string {
  const ip = pod.status?.podIP;
  if (!ip) throw new Error(`pod ${pod.metadata?.name} has no IP yet`);
  return `http://${ip}:8080${path}`;
}
