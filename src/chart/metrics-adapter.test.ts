// The chart's custom-metrics adapter (metricsAdapter.enabled): what `helm template` renders, checked without a
// cluster (test/autoscaling/requests.test.ts installs it on the proving ground).
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { test } from 'node:test';
import { chartDir, helm, renderChart, valuesFile, type KubeDoc } from '../../test/chart/helm.ts';

const ON = { metricsAdapter: { enabled: true } };
const named = (docs: KubeDoc[], kind: string) => docs.filter((d) => d.kind === kind && d.metadata.name.includes('metrics-adapter'));
const pem = (b64: string) => Buffer.from(b64, 'base64').toString('utf8');

test('off by default: no adapter objects and no APIService', async () => {
  const docs = await renderChart({});
  assert.deepEqual(docs.filter((d) => d.metadata.name.includes('metrics-adapter') || d.kind === 'APIService'), []);
});

test('helm lint --strict passes with the adapter on', async () => {
  const res = await helm(['lint', chartDir, '--strict', '-f', await valuesFile(ON)]);
  assert.equal(res.code, 0, `${res.stdout}${res.stderr}`);
});

test('the APIService vouches for the serving certificate, which names the Service', async () => {
  const docs = await renderChart(ON);
  const [api] = docs.filter((d) => d.kind === 'APIService') as unknown as Array<{ metadata: { name: string }; spec: { group: string; version: string; caBundle: string; service: { name: string; namespace: string; port: number } } }>;
  assert.equal(api?.metadata.name, 'v1beta2.custom.metrics.k8s.io');
  assert.deepEqual([api?.spec.group, api?.spec.version], ['custom.metrics.k8s.io', 'v1beta2']);
  const [secret] = named(docs, 'Secret') as unknown as Array<{ data: Record<string, string> }>;
  assert.equal(secret?.data['ca.crt'], api?.spec.caBundle);
  const ca = new X509Certificate(pem(api!.spec.caBundle));
  const serving = new X509Certificate(pem(secret!.data['tls.crt']!));
  assert.ok(serving.verify(ca.publicKey), 'signed by the caBundle CA');
  const service = `${api!.spec.service.name}.${api!.spec.service.namespace}.svc`;
  assert.equal(serving.checkHost(service), service);
  assert.equal(named(docs, 'Service')[0]?.metadata.name, api!.spec.service.name);
});

test('the adapter runs from the operator image with its own command, its own ServiceAccount and minimal rights', async () => {
  const docs = await renderChart(ON);
  const [deployment] = named(docs, 'Deployment') as unknown as Array<{ spec: { template: { spec: { serviceAccountName: string; containers: Array<{ image: string; args: string[] }> } } } }>;
  const operator = docs.find((d) => d.kind === 'Deployment' && !d.metadata.name.includes('metrics-adapter')) as unknown as { spec: { template: { spec: { containers: Array<{ image: string }> } } } };
  const container = deployment!.spec.template.spec.containers[0]!;
  assert.equal(container.image, operator.spec.template.spec.containers[0]!.image);
  assert.equal(container.args[0], 'metrics-adapter');
  const account = deployment!.spec.template.spec.serviceAccountName;
  assert.equal(named(docs, 'ServiceAccount')[0]?.metadata.name, account);
  const [role] = named(docs, 'ClusterRole') as unknown as Array<{ rules: unknown[] }>;
  assert.deepEqual(role?.rules, [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }]);
  const [reader] = named(docs, 'RoleBinding') as unknown as Array<{ metadata: { namespace: string }; roleRef: { name: string }; subjects: Array<{ name: string }> }>;
  assert.deepEqual([reader?.metadata.namespace, reader?.roleRef.name, reader?.subjects[0]?.name], ['kube-system', 'extension-apiserver-authentication-reader', account]);
});
