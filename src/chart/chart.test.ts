// The Helm chart, rendered by the real helm v4 binary: lint, what it renders, its RBAC, its CRD copy, and
// the values it rejects. No cluster needed (test/chart/*.test.ts install it on the proving ground).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { load } from 'js-yaml';
import { chartDir, helm, parseManifests, renderChart, renderError, repoRoot, valuesFile, type KubeDoc } from '../../test/chart/helm.ts';
import { chartCrdTemplate, escapeTemplateActions, syncChart } from './generate.ts';

const pkg = JSON.parse(await readFile(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
const chart = load(await readFile(path.join(chartDir, 'Chart.yaml'), 'utf8')) as { version: string; appVersion: string };

interface Container {
  name: string;
  image: string;
  args: string[];
  env: Array<{ name: string; valueFrom?: { fieldRef?: { fieldPath: string } } }>;
  securityContext: Record<string, unknown>;
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
  resources: { requests?: Record<string, string>; limits?: Record<string, string> };
}

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

const byKind = (docs: KubeDoc[], kind: string) => docs.filter((d) => d.kind === kind);
const one = (docs: KubeDoc[], kind: string, name?: string): KubeDoc => {
  const found = byKind(docs, kind).filter((d) => name === undefined || d.metadata.name === name);
  assert.equal(found.length, 1, `expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}`);
  return found[0]!;
};
const operatorContainer = (docs: KubeDoc[]): Container =>
  ((one(docs, 'Deployment') as unknown as { spec: { template: { spec: { containers: Container[] } } } }).spec.template.spec.containers[0])!;

/** Every option the chart has, turned on: renders each optional template. */
const everything = {
  replicaCount: 3,
  watchNamespaces: ['ml', 'ml-staging'],
  metrics: { serviceMonitor: { enabled: true, labels: { release: 'prom' } } },
  podDisruptionBudget: { enabled: true },
  networkPolicy: { enabled: true, metricsFrom: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }] },
  image: { digest: `sha256:${'a'.repeat(64)}` },
};

test('Chart.yaml version and appVersion follow package.json', () => {
  assert.equal(chart.appVersion, pkg.version);
  assert.equal(chart.version, pkg.version);
});

test('helm lint passes with the default values, with everything on, and namespaced', async () => {
  for (const values of [{}, everything, { rbac: { scope: 'namespaced' }, watchNamespaces: ['a', 'b'] }]) {
    const res = await helm(['lint', chartDir, '--strict', '-f', await valuesFile(values)]);
    assert.equal(res.code, 0, `${JSON.stringify(values)}: ${res.stdout}${res.stderr}`);
  }
});

test('the default render is the operator, its RBAC, a metrics Service and the CRD, all labelled', async () => {
  const docs = await renderChart();
  assert.deepEqual(docs.map((d) => `${d.kind}/${d.metadata.name}`).sort(), [
    'ClusterRole/ms-modelship-edit',
    'ClusterRole/ms-modelship-operator',
    'ClusterRole/ms-modelship-view',
    'ClusterRoleBinding/ms-modelship-operator',
    'CustomResourceDefinition/modeldeployments.modelship.io',
    'Deployment/ms-modelship',
    'Role/ms-modelship-leader-election',
    'RoleBinding/ms-modelship-leader-election',
    'Service/ms-modelship-metrics',
    'ServiceAccount/ms-modelship',
  ]);
  for (const d of docs) {
    const labels = d.metadata.labels ?? {};
    assert.equal(labels['app.kubernetes.io/name'], 'modelship', `${d.kind} ${d.metadata.name}`);
    assert.equal(labels['app.kubernetes.io/instance'], 'ms');
    assert.equal(labels['app.kubernetes.io/version'], pkg.version);
    assert.equal(labels['app.kubernetes.io/managed-by'], 'Helm');
    assert.equal(labels['app.kubernetes.io/part-of'], 'modelship');
  }
});

test('the operator runs the appVersion images, listens on all interfaces and elects a leader', async () => {
  const docs = await renderChart();
  const c = operatorContainer(docs);
  assert.equal(c.image, `ghcr.io/modelship/operator:${pkg.version}`);
  assert.ok(c.args.includes(`--runtime-image=ghcr.io/modelship/runtime:${pkg.version}`), c.args.join(' '));
  assert.ok(c.args.includes('--metrics-bind-address=:8080'), c.args.join(' '));
  assert.ok(c.args.includes('--health-probe-bind-address=:8081'), c.args.join(' '));
  assert.ok(c.args.includes('--leader-elect'));
  assert.ok(c.args.includes('--leader-election-id=ms-modelship'));
  assert.ok(!c.args.some((a) => a.startsWith('--namespaces')), 'watches all namespaces by default');
  assert.deepEqual(c.env.find((e) => e.name === 'POD_IP')?.valueFrom, { fieldRef: { fieldPath: 'status.podIP' } });
  assert.equal(c.livenessProbe.httpGet.path, '/healthz');
  assert.equal(c.readinessProbe.httpGet.path, '/readyz');
  assert.ok(c.resources.requests?.cpu && c.resources.limits?.memory);
  const deployment = one(docs, 'Deployment') as unknown as { spec: { replicas: number; template: { spec: { containers: Array<{ command?: unknown }> } } } };
  assert.equal(deployment.spec.replicas, 2);
  assert.equal(deployment.spec.template.spec.containers[0]!.command, undefined, 'the chart sets args, never command (docs/adr/0001)');
});

test('the operator pod passes the restricted Pod Security Standard', async () => {
  const docs = await renderChart();
  const pod = (one(docs, 'Deployment') as unknown as { spec: { template: { spec: { securityContext: Record<string, unknown>; containers: Container[] } } } }).spec.template.spec;
  assert.equal(pod.securityContext.runAsNonRoot, true);
  assert.deepEqual(pod.securityContext.seccompProfile, { type: 'RuntimeDefault' });
  const sc = pod.containers[0]!.securityContext;
  assert.equal(sc.allowPrivilegeEscalation, false);
  assert.equal(sc.readOnlyRootFilesystem, true);
  assert.equal(sc.runAsNonRoot, true);
  assert.deepEqual(sc.capabilities, { drop: ['ALL'] });
});

test('image tags, digests and the runtime image are set by value', async () => {
  const c = operatorContainer(
    await renderChart({
      image: { repository: 'registry.local:5000/modelship/operator', tag: 'dev' },
      runtime: { image: { repository: 'registry.local:5000/modelship/runtime', digest: `sha256:${'b'.repeat(64)}` } },
    }),
  );
  assert.equal(c.image, 'registry.local:5000/modelship/operator:dev');
  assert.ok(c.args.includes(`--runtime-image=registry.local:5000/modelship/runtime@sha256:${'b'.repeat(64)}`));
});

test('the chart installs the CRD from crds/ unchanged, kept on uninstall unless crds.keep=false', async () => {
  const source = load(await readFile(path.join(repoRoot, 'crds', 'modelship.io_modeldeployments.yaml'), 'utf8')) as KubeDoc & { spec: unknown };
  const rendered = one(await renderChart(), 'CustomResourceDefinition') as KubeDoc & { spec: unknown };
  assert.equal(rendered.metadata.name, source.metadata.name);
  assert.deepEqual(rendered.spec, source.spec);
  assert.equal(rendered.metadata.annotations?.['helm.sh/resource-policy'], 'keep');
  const notKept = one(await renderChart({ crds: { keep: false } }), 'CustomResourceDefinition');
  assert.equal(notKept.metadata.annotations?.['helm.sh/resource-policy'], undefined);
  assert.equal(byKind(await renderChart({ crds: { enabled: false } }), 'CustomResourceDefinition').length, 0);
});

test('the chart has no crds/ directory: Helm would install it once and never upgrade it', async () => {
  const res = await helm(['show', 'crds', chartDir]);
  assert.equal(res.code, 0, res.stderr);
  assert.equal(res.stdout.trim(), '');
});

test('the chart\'s generated files are up to date', async () => {
  assert.deepEqual(await syncChart({ check: true }), []);
});

test('escapeTemplateActions leaves no template delimiter in literal text', () => {
  assert.equal(escapeTemplateActions('{pause: {}}]'), '{pause: {{ "{}}" }}]');
  assert.equal(escapeTemplateActions('a {{ .x }} b'), 'a {{ "{{" }} .x {{ "}}" }} b');
  assert.equal(escapeTemplateActions('{a} {b}'), '{a} {b}');
});

test('a CRD description with template-like text survives the chart verbatim', async () => {
  const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: things.example.com
  annotations: {example.com/note: "x"}
spec:
  group: example.com
  names: {kind: Thing, plural: things}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          description: 'use {{ .Values.x }} and {pause: {}}, not {{{ }}}'
`;
  const template = chartCrdTemplate(crd);
  // Render the generated template inside a copy of the chart: it needs the chart's helpers.
  const dir = await mkdtemp(path.join(tmpdir(), 'modelship-chart-'));
  try {
    await cp(chartDir, dir, { recursive: true });
    await writeFile(path.join(dir, 'templates', 'crds', 'thing.yaml'), template);
    const out = await helm(['template', 'x', dir, '--show-only', 'templates/crds/thing.yaml']);
    assert.equal(out.code, 0, out.stderr);
    const doc = parseManifests(out.stdout)[0] as unknown as { metadata: { annotations: Record<string, string> }; spec: { versions: Array<{ schema: { openAPIV3Schema: { description: string } } }> } };
    assert.equal(doc.spec.versions[0]!.schema.openAPIV3Schema.description, 'use {{ .Values.x }} and {pause: {}}, not {{{ }}}');
    assert.deepEqual(doc.metadata.annotations, { 'helm.sh/resource-policy': 'keep', 'example.com/note': 'x' });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

// --- RBAC -----------------------------------------------------------------------------------------------

const rulesOf = (d: KubeDoc): Rule[] => (d as unknown as { rules: Rule[] }).rules;

test('no Role or ClusterRole in any configuration uses a wildcard verb, resource or API group', async () => {
  for (const values of [{}, everything, { rbac: { scope: 'namespaced' }, watchNamespaces: ['a', 'b'] }]) {
    for (const d of (await renderChart(values)).filter((d) => d.kind === 'Role' || d.kind === 'ClusterRole')) {
      for (const r of rulesOf(d)) {
        for (const field of ['verbs', 'resources', 'apiGroups'] as const) {
          assert.ok(!r[field].some((x) => x.includes('*')), `${d.kind} ${d.metadata.name} has a wildcard in ${field}: ${JSON.stringify(r)}`);
        }
      }
    }
  }
});

/** resource → sorted verbs, across the rules. */
function grants(rules: Rule[]): Record<string, string> {
  const out: Record<string, Set<string>> = {};
  for (const r of rules) for (const g of r.apiGroups) for (const res of r.resources) for (const v of r.verbs) (out[`${g || 'core'}/${res}`] ??= new Set()).add(v);
  return Object.fromEntries(Object.entries(out).sort().map(([k, v]) => [k, [...v].sort().join(',')]));
}

test('the operator gets exactly what it uses, cluster-wide by default', async () => {
  const docs = await renderChart();
  const role = one(docs, 'ClusterRole', 'ms-modelship-operator');
  assert.deepEqual(grants(rulesOf(role)), {
    'apps/deployments': 'create,delete,get,list,patch,update,watch',
    'autoscaling/horizontalpodautoscalers': 'create,delete,get,list,patch,update,watch',
    'core/events': 'create,patch',
    'core/pods': 'get,list,watch',
    'core/services': 'create,delete,get,list,patch,update,watch',
    'events.k8s.io/events': 'create,patch',
    'modelship.io/modeldeployments': 'get,list,patch,update,watch',
    'modelship.io/modeldeployments/finalizers': 'update',
    'modelship.io/modeldeployments/status': 'get,patch,update',
  });
  const lease = one(docs, 'Role', 'ms-modelship-leader-election');
  assert.equal(lease.metadata.namespace, 'modelship-system');
  assert.equal(grants(rulesOf(lease))['coordination.k8s.io/leases'], 'create,get,update');
  const binding = one(docs, 'ClusterRoleBinding') as unknown as { subjects: Array<{ name: string; namespace: string }> };
  assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: 'ms-modelship', namespace: 'modelship-system' }]);
});

test('rbac.scope=namespaced grants a Role in each watched namespace and nothing cluster-wide for the operator', async () => {
  const docs = await renderChart({ rbac: { scope: 'namespaced', aggregateToDefaultRoles: false }, watchNamespaces: ['ml', 'ml-staging'] });
  assert.equal(byKind(docs, 'ClusterRole').length, 0);
  assert.equal(byKind(docs, 'ClusterRoleBinding').length, 0);
  const roles = byKind(docs, 'Role').filter((d) => d.metadata.name === 'ms-modelship-operator');
  assert.deepEqual(roles.map((r) => r.metadata.namespace).sort(), ['ml', 'ml-staging']);
  assert.ok(operatorContainer(docs).args.includes('--namespaces=ml,ml-staging'));
});

test('rbac.scope=namespaced with no namespaces listed watches and grants the release namespace only', async () => {
  const docs = await renderChart({ rbac: { scope: 'namespaced' } });
  const roles = byKind(docs, 'Role').filter((d) => d.metadata.name === 'ms-modelship-operator');
  assert.deepEqual(roles.map((r) => r.metadata.namespace), ['modelship-system']);
  assert.ok(operatorContainer(docs).args.includes('--namespaces=modelship-system'));
});

test('the view and edit roles aggregate into the built-in roles so users can run kubectl modelship', async () => {
  const docs = await renderChart();
  const edit = one(docs, 'ClusterRole', 'ms-modelship-edit');
  assert.equal(edit.metadata.labels?.['rbac.authorization.k8s.io/aggregate-to-edit'], 'true');
  assert.match(grants(rulesOf(edit))['modelship.io/modeldeployments'] ?? '', /patch/);
  const view = one(docs, 'ClusterRole', 'ms-modelship-view');
  assert.equal(view.metadata.labels?.['rbac.authorization.k8s.io/aggregate-to-view'], 'true');
});

// --- optional parts ----------------------------------------------------------------------------------------

test('ServiceMonitor, PodDisruptionBudget and NetworkPolicy render when enabled', async () => {
  const docs = await renderChart(everything);
  const sm = one(docs, 'ServiceMonitor') as unknown as { metadata: { labels: Record<string, string> }; spec: { endpoints: Array<{ port: string }> } };
  assert.equal(sm.metadata.labels.release, 'prom');
  assert.equal(sm.spec.endpoints[0]!.port, 'metrics');
  assert.deepEqual((one(docs, 'PodDisruptionBudget') as unknown as { spec: { minAvailable: number } }).spec.minAvailable, 1);
  const np = one(docs, 'NetworkPolicy') as unknown as { spec: { policyTypes: string[]; ingress: Array<{ from?: unknown[] }> } };
  assert.deepEqual(np.spec.policyTypes, ['Ingress']);
  assert.equal(np.spec.ingress[1]!.from?.length, 1);
  assert.equal(operatorContainer(docs).image, `ghcr.io/modelship/operator@sha256:${'a'.repeat(64)}`);
});

test('a PodDisruptionBudget with maxUnavailable uses it instead of minAvailable', async () => {
  const pdb = one(await renderChart({ podDisruptionBudget: { enabled: true, maxUnavailable: '50%' } }), 'PodDisruptionBudget') as unknown as { spec: Record<string, unknown> };
  assert.equal(pdb.spec.maxUnavailable, '50%');
  assert.equal(pdb.spec.minAvailable, undefined);
});

test('NOTES.txt tells how to check the operator and serve a first model', async () => {
  const res = await helm(['install', 'ms', chartDir, '--namespace', 'modelship-system', '--dry-run=client']);
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stdout, /kubectl -n modelship-system rollout status deployment\/ms-modelship/);
  assert.match(res.stdout, /kubectl modelship status my-model/);
});

// --- values the schema rejects -----------------------------------------------------------------------------

const rejected: Array<[string, unknown, RegExp]> = [
  ['a misspelled key', { replicas: 3 }, /at '': additional properties 'replicas' not allowed/],
  ['an unknown RBAC scope', { rbac: { scope: 'clusterwide' } }, /at '\/rbac\/scope': value must be one of 'cluster', 'namespaced'/],
  ['a negative replica count', { replicaCount: -1 }, /at '\/replicaCount': minimum: got -1, want 0/],
  ['a replica count as text', { replicaCount: 'two' }, /at '\/replicaCount': got string, want integer/],
  ['a truncated image digest', { image: { digest: 'sha256:abc' } }, /at '\/image\/digest': 'sha256:abc' does not match pattern/],
  ['a tag glued to the repository', { image: { repository: 'ghcr.io/x/op@sha256:1' } }, /at '\/image\/repository': .* does not match pattern/],
  ['an impossible port', { metrics: { port: 70000 } }, /at '\/metrics\/port': maximum: got 70,000, want 65,535/],
  ['an unknown log level', { logLevel: 'verbose' }, /at '\/logLevel': value must be one of 'trace', 'debug', 'info', 'warn', 'error'/],
  ['a namespace that is not a DNS label', { watchNamespaces: ['ML_Prod'] }, /at '\/watchNamespaces\/0': 'ML_Prod' does not match pattern/],
  ['a repeated namespace', { watchNamespaces: ['ml', 'ml'] }, /at '\/watchNamespaces': items at 0 and 1 are equal/],
  ['an unknown pull policy', { image: { pullPolicy: 'Sometimes' } }, /at '\/image\/pullPolicy': value must be one of 'Always', 'IfNotPresent', 'Never'/],
  ['a scrape interval without a unit', { metrics: { serviceMonitor: { interval: '30' } } }, /at '\/metrics\/serviceMonitor\/interval': '30' does not match pattern/],
  ['an unknown key in crds', { crds: { install: true } }, /at '\/crds': additional properties 'install' not allowed/],
  ['a probe with an unknown field', { livenessProbe: { path: '/x' } }, /at '\/livenessProbe': additional properties 'path' not allowed/],
];

for (const [what, values, message] of rejected) {
  test(`the values schema rejects ${what} with the path of the value`, async () => {
    const stderr = await renderError(values);
    assert.match(stderr, /values don't meet the specifications of the schema/);
    assert.match(stderr, message);
  });
}

test('several replicas without leader election are refused with the reason', async () => {
  assert.match(
    await renderError({ replicaCount: 2, leaderElection: { enabled: false } }),
    /leaderElection.enabled must be true when replicaCount > 1: two operators reconciling at once would fight/,
  );
  // One replica without leader election is fine.
  await renderChart({ replicaCount: 1, leaderElection: { enabled: false } });
});

test('metrics and health on the same port are refused', async () => {
  assert.match(await renderError({ metrics: { port: 9000 }, health: { port: 9000 } }), /metrics.port and health.port must differ/);
});

test('a ServiceMonitor without the metrics Service is refused', async () => {
  assert.match(
    await renderError({ metrics: { service: { enabled: false }, serviceMonitor: { enabled: true } } }),
    /metrics.serviceMonitor.enabled needs metrics.service.enabled/,
  );
});
