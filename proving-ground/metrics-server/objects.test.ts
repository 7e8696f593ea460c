import assert from 'node:assert/strict';
import { test } from 'node:test';
import { METRICS_SERVER_KUBELET_CLIENT } from '../kubelet/kubelet-server.ts';
import { metricsServerObjects } from './objects.ts';

interface Loose {
  kind: string;
  metadata: { name: string; namespace?: string };
  spec?: Record<string, unknown> & { ports?: Array<{ name: string; port: number; targetPort: number }> };
  subsets?: Array<{ addresses: Array<{ ip: string }>; ports: Array<{ name: string; port: number }> }>;
  subjects?: Array<{ kind: string; name: string }>;
  rules?: Array<{ resources: string[]; verbs: string[] }>;
}

const objects = metricsServerObjects({ address: '100.64.3.1', port: 40123, caBundle: 'Q0E=' }) as Loose[];
const byKind = (kind: string): Loose[] => objects.filter((o) => o.kind === kind);

test('the APIService names the Service, whose port leads to the Endpoints of the process', () => {
  const [apiService] = byKind('APIService');
  assert.equal(apiService?.metadata.name, 'v1beta1.metrics.k8s.io');
  assert.deepEqual(apiService?.spec?.service, { name: 'metrics-server', namespace: 'kube-system', port: 443 });
  assert.equal(apiService?.spec?.caBundle, 'Q0E=');
  assert.equal(apiService?.spec?.insecureSkipTLSVerify, undefined);
  const [service] = byKind('Service');
  const [endpoints] = byKind('Endpoints');
  assert.deepEqual(service?.spec?.ports, [{ name: 'https', protocol: 'TCP', port: 443, targetPort: 40123 }]);
  assert.equal(service?.spec?.selector, undefined, 'no selector: the Endpoints are ours');
  assert.deepEqual(endpoints?.subsets, [{ addresses: [{ ip: '100.64.3.1' }], ports: [{ name: 'https', protocol: 'TCP', port: 40123 }] }]);
});

test('RBAC binds the identity the kubelets serve metrics to, with nodes/metrics and delegated auth', () => {
  const bindings = [...byKind('ClusterRoleBinding'), ...byKind('RoleBinding')];
  assert.equal(bindings.length, 3);
  for (const binding of bindings) assert.deepEqual(binding.subjects?.map((s) => s.name), [METRICS_SERVER_KUBELET_CLIENT]);
  const role = byKind('ClusterRole').find((r) => r.metadata.name === 'system:metrics-server');
  assert.ok(role?.rules?.some((rule) => rule.resources.includes('nodes/metrics') && rule.verbs.includes('get')));
});
