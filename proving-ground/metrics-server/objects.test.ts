import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Deployment } from '@kubernetes/client-node';
import { METRICS_SERVER_KUBELET_CLIENT } from '../kubelet/kubelet-server.ts';
import { METRICS_SERVER_IMAGE } from './image.ts';
import { metricsServerObjects } from './objects.ts';

interface Loose {
  kind: string;
  metadata: { name: string; namespace?: string };
  spec?: Record<string, unknown> & { ports?: Array<{ name: string; port: number; targetPort: number | string }> };
  data?: Record<string, string>;
  subjects?: Array<{ kind: string; name: string }>;
  rules?: Array<{ resources: string[]; verbs: string[] }>;
}

const secretData = { kubeconfig: 'a3ViZQ==', 'ca.crt': 'Q0E=' };
const objects = metricsServerObjects({ port: 40123, caBundle: 'Q0E=', resolutionSeconds: 10, secretData }) as Loose[];
const byKind = (kind: string): Loose[] => objects.filter((o) => o.kind === kind);
const deployment = byKind('Deployment')[0] as unknown as V1Deployment;
const podSpec = deployment.spec?.template.spec;
const container = podSpec?.containers[0];

test('the APIService names the Service, which selects the pod by its named port', () => {
  const [apiService] = byKind('APIService');
  assert.equal(apiService?.metadata.name, 'v1beta1.metrics.k8s.io');
  assert.deepEqual(apiService?.spec?.service, { name: 'metrics-server', namespace: 'kube-system', port: 443 });
  assert.equal(apiService?.spec?.caBundle, 'Q0E=');
  assert.equal(apiService?.spec?.insecureSkipTLSVerify, undefined);
  const [service] = byKind('Service');
  assert.deepEqual(service?.spec?.ports, [{ name: 'https', protocol: 'TCP', port: 443, targetPort: 'https' }]);
  assert.deepEqual(service?.spec?.selector, deployment.spec?.template.metadata?.labels);
  assert.equal(byKind('Endpoints').length, 0, 'the endpointslice controller fills the endpoints from the pod');
  assert.deepEqual(container?.ports, [{ name: 'https', containerPort: 40123, protocol: 'TCP' }]);
});

test('the pod runs the image built here on the host network, on the given port, bound to its own IP', () => {
  assert.equal(container?.image, METRICS_SERVER_IMAGE);
  assert.equal(podSpec?.hostNetwork, true);
  assert.ok(container?.args?.includes('--secure-port=40123'));
  assert.ok(container?.args?.includes('--bind-address=$(POD_IP)'));
  assert.equal(container?.env?.find((env) => env.name === 'POD_IP')?.valueFrom?.fieldRef?.fieldPath, 'status.podIP');
  assert.ok(container?.args?.includes('--metric-resolution=10s'));
  assert.ok(!container?.args?.some((arg) => arg.startsWith('--kubelet-insecure-tls')), 'kubelets are verified against the cluster CA');
  assert.equal(container?.securityContext?.runAsNonRoot, true);
  assert.equal(container?.securityContext?.readOnlyRootFilesystem, true);
  assert.equal(container?.securityContext?.allowPrivilegeEscalation, false);
});

test('every file the arguments name comes from the mounted Secret', () => {
  const [secret] = byKind('Secret');
  assert.deepEqual(secret?.data, secretData);
  const mount = container?.volumeMounts?.[0];
  const volume = podSpec?.volumes?.find((v) => v.name === mount?.name);
  assert.equal(volume?.secret?.secretName, secret?.metadata.name);
  const files = (container?.args ?? []).filter((arg) => arg.includes('=/')).map((arg) => arg.slice(arg.indexOf('=') + 1));
  assert.ok(files.length >= 6);
  for (const file of files) assert.ok(file.startsWith(`${mount?.mountPath}/`), `${file} is in the Secret's mount`);
  assert.equal(podSpec?.automountServiceAccountToken, false);
});

test('RBAC binds the identity the kubelets serve metrics to, with nodes/metrics and delegated auth', () => {
  const bindings = [...byKind('ClusterRoleBinding'), ...byKind('RoleBinding')];
  assert.equal(bindings.length, 3);
  for (const binding of bindings) assert.deepEqual(binding.subjects?.map((s) => s.name), [METRICS_SERVER_KUBELET_CLIENT]);
  const role = byKind('ClusterRole').find((r) => r.metadata.name === 'system:metrics-server');
  assert.ok(role?.rules?.some((rule) => rule.resources.includes('nodes/metrics') && rule.verbs.includes('get')));
});
