// The chart on the proving ground, with the real helm v4 binary: install runs the operator pod for real
// (the local kubelet runs the operator image as a process under the chart's ServiceAccount token), the
// operator serves a ModelDeployment end to end under exactly the chart's RBAC, GitOps re-applies change
// nothing, `helm --wait=watcher` understands ModelDeployments, and upgrades update the CRD.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chartDir, valuesFile } from './helm.ts';
import {
  OPERATOR_NAMESPACE,
  RELEASE,
  MODEL_ROW,
  METRICS_PORT,
  TEST_VALUES,
  condition,
  ensureNamespace,
  provideModel,
  forbiddenLines,
  getMd,
  helmOn,
  installChart,
  kubectl,
  modelDeployment,
  operatorLogs,
  plugin,
  toYaml,
  useCluster,
  waitFor,
  waitReady,
  type TestCluster,
} from './cluster.ts';

const NS = 'ml';
const SA = `system:serviceaccount:${OPERATOR_NAMESPACE}:${RELEASE}`;

describe('the modelship chart on the proving ground', () => {
  let cluster: TestCluster;
  const started = Date.now();

  before(async () => {
    cluster = await useCluster();
    await ensureNamespace(cluster, NS);
    await provideModel(cluster, NS);
  });

  after(async () => {
    if (process.env.MODELSHIP_TEST_VERBOSE) console.error(operatorLogs(cluster));
    await cluster?.stop();
  });

  test('helm install --wait=watcher returns once the operator pod runs and holds the leader lease', async () => {
    const res = await installChart(cluster);
    assert.equal(res.code, 0, `helm install failed:\n${res.stdout}\n${res.stderr}`);
    const pods = await kubectl(cluster, ['get', 'pods', '-n', OPERATOR_NAMESPACE, '-l', 'app.kubernetes.io/component=operator', '-o', 'json']);
    const items = (JSON.parse(pods.stdout) as { items: Array<{ metadata: { name: string }; status: { phase: string; podIP: string }; spec: { serviceAccountName: string } }> }).items;
    assert.equal(items.length, 1);
    assert.equal(items[0]!.status.phase, 'Running');
    assert.equal(items[0]!.spec.serviceAccountName, RELEASE);
    // The operator process itself took the lease: it runs, and it talks to the API server as its ServiceAccount.
    const lease = await waitFor('the leader lease', async () => {
      const r = await kubectl(cluster, ['get', 'lease', RELEASE, '-n', OPERATOR_NAMESPACE, '-o', 'jsonpath={.spec.holderIdentity}']);
      return r.code === 0 && r.stdout ? r.stdout : undefined;
    });
    assert.match(lease, new RegExp(`^${items[0]!.metadata.name}`));
    // Its metrics answer through the chart's metrics Service, at its ClusterIP (kube-proxy leads to the
    // pod, which listens on all interfaces by default).
    const service = await kubectl(cluster, ['get', 'service', `${RELEASE}-metrics`, '-n', OPERATOR_NAMESPACE, '-o', 'jsonpath={.spec.clusterIP}']);
    assert.equal(service.code, 0, service.stderr);
    const metrics = await waitFor('the operator metrics at the metrics Service', async () =>
      fetch(`http://${service.stdout.trim()}:${METRICS_PORT}/metrics`).then((r) => r.text(), () => undefined),
    );
    assert.match(metrics, /controller_runtime_reconcile_total|workqueue_depth|leader_election_master_status/);
  });

  test('the operator installed by the chart serves a ModelDeployment end to end', async () => {
    const apply = await kubectl(cluster, ['apply', '-n', NS, '-f', '-'], { input: toYaml(modelDeployment('demo')) });
    assert.equal(apply.code, 0, apply.stderr);
    const md = await waitReady(cluster, NS, 'demo');
    assert.equal(md.status?.stableRevision?.version, '1');
    const res = await plugin(cluster, ['predict', 'demo', '-n', NS, '--data', JSON.stringify([MODEL_ROW])]);
    assert.equal(res.code, 0, res.stderr);
    const answer = JSON.parse(res.stdout) as { predictions: number[] | number[][] };
    assert.equal(answer.predictions.length, 1);
    assert.ok(Number.isFinite(Number(answer.predictions.flat()[0])), res.stdout);
  });

  test('the chart\'s RBAC lets the operator do everything it needs: scale, autoscale, roll out, record events', async () => {
    assert.equal((await kubectl(cluster, ['scale', '-n', NS, 'md/demo', '--replicas=2'])).code, 0);
    await waitFor('demo to run 2 ready replicas', async () => {
      const md = await getMd(cluster, NS, 'demo');
      return md?.status?.readyReplicas === 2 && condition(md, 'Ready') === 'True';
    });
    // An autoscaled ModelDeployment makes the operator own an HPA.
    const auto = modelDeployment('auto', { autoscaling: { minReplicas: 1, maxReplicas: 3, targetCPUUtilizationPercentage: 70 } });
    assert.equal((await kubectl(cluster, ['apply', '-n', NS, '-f', '-'], { input: toYaml(auto) })).code, 0);
    await waitReady(cluster, NS, 'auto');
    assert.equal((await kubectl(cluster, ['get', 'hpa', '-n', NS, 'auto'])).code, 0);
    // A new version is a rollout: new Deployment, pods watched, status and events written.
    const v2 = modelDeployment('demo', { replicas: 2 }, { version: '2' });
    assert.equal((await kubectl(cluster, ['apply', '-n', NS, '-f', '-'], { input: toYaml(v2) })).code, 0);
    const md = await waitFor('demo to serve version 2', async () => {
      const m = await waitReady(cluster, NS, 'demo');
      return m.status?.stableRevision?.version === '2' ? m : undefined;
    });
    assert.equal(md.status?.stableRevision?.version, '2');
    const events = await kubectl(cluster, ['get', 'events', '-n', NS, '--field-selector', 'involvedObject.name=demo', '-o', 'name']);
    assert.ok(events.stdout.trim().length > 0, 'the operator records Events');
    const forbidden = forbiddenLines(operatorLogs(cluster), started);
    assert.deepEqual(forbidden, [], 'the operator was refused something by RBAC');
  });

  test('the operator\'s ServiceAccount can do exactly what the operator does, and nothing more', async () => {
    // kubectl auth can-i VERB RESOURCE[/NAME]: subresources go in --subresource.
    const can = async (verb: string, resource: string, ns: string) => {
      const [res, sub] = resource.split('/');
      const args = ['auth', 'can-i', '--as', SA, verb, res!, ...(sub ? ['--subresource', sub] : []), ...(ns ? ['-n', ns] : [])];
      return (await kubectl(cluster, args)).stdout.trim();
    };
    for (const [verb, resource, ns] of [
      ['watch', 'modeldeployments.modelship.io', NS],
      ['patch', 'modeldeployments.modelship.io/status', NS],
      ['create', 'deployments.apps', NS],
      ['delete', 'services', NS],
      ['update', 'horizontalpodautoscalers.autoscaling', NS],
      ['list', 'pods', NS],
      ['create', 'events', NS],
      ['update', 'leases.coordination.k8s.io', OPERATOR_NAMESPACE],
    ] as const) {
      assert.equal(await can(verb, resource, ns), 'yes', `${verb} ${resource} in ${ns}`);
    }
    for (const [verb, resource, ns] of [
      ['get', 'secrets', NS],
      ['create', 'pods', NS],
      ['delete', 'modeldeployments.modelship.io', NS],
      ['create', 'modeldeployments.modelship.io', NS],
      ['update', 'modeldeployments.modelship.io/scale', NS],
      ['create', 'leases.coordination.k8s.io', NS],
      ['create', 'clusterrolebindings.rbac.authorization.k8s.io', ''],
      ['update', 'customresourcedefinitions.apiextensions.k8s.io', ''],
    ] as const) {
      assert.equal(await can(verb, resource, ns), 'no', `${verb} ${resource} ${ns}`);
    }
  });

  test('re-applying the same manifest server-side, as Argo CD or Flux does, changes nothing and fights no one', async () => {
    const manifest = toYaml(modelDeployment('gitops'));
    const apply = () => kubectl(cluster, ['apply', '--server-side', '--field-manager=argocd-controller', '-n', NS, '-f', '-'], { input: manifest });
    assert.equal((await apply()).code, 0);
    const first = await waitReady(cluster, NS, 'gitops');
    const applied = (md: Awaited<ReturnType<typeof getMd>>) =>
      (md?.metadata.managedFields as Array<{ manager: string; time?: string }> | undefined)?.find((m) => m.manager === 'argocd-controller');
    const again = await apply();
    assert.equal(again.code, 0, again.stderr);
    const after = await getMd(cluster, NS, 'gitops');
    assert.equal(after?.metadata.generation, first.metadata.generation);
    // A no-op server-side apply does not write: the GitOps tool's managedFields entry keeps its time.
    assert.equal(applied(after)?.time, applied(first)?.time, 'the re-apply changed the object');
    const diff = await kubectl(cluster, ['diff', '--server-side', '--field-manager=argocd-controller', '-n', NS, '-f', '-'], { input: manifest });
    assert.equal(diff.code, 0, `kubectl diff found changes:\n${diff.stdout}`);
    // The operator's field managers own nothing in the spec or metadata the GitOps tool applies.
    const managed = (after?.metadata.managedFields ?? []) as Array<{ manager: string; subresource?: string; fieldsV1?: Record<string, unknown> }>;
    for (const m of managed.filter((m) => m.manager !== 'argocd-controller' && !m.subresource)) {
      assert.ok(!('f:spec' in (m.fieldsV1 ?? {})), `${m.manager} owns spec fields: ${JSON.stringify(m.fieldsV1)}`);
    }
  });

  test('helm install --wait=watcher of a chart with a ModelDeployment returns once it is Ready', async () => {
    const app = await appChart('good', modelDeployment('waited'));
    const started = Date.now();
    const res = await helmOn(cluster, ['install', 'good', app, '-n', NS, '--wait=watcher', '--timeout', '4m']);
    assert.equal(res.code, 0, `${res.stdout}\n${res.stderr}`);
    const md = await getMd(cluster, NS, 'waited');
    assert.equal(condition(md, 'Ready'), 'True', 'helm returned before the ModelDeployment was Ready');
    assert.ok(Date.now() - started < 240_000);
  });

  test('helm install --wait=watcher of a broken model fails with the reason instead of hanging', async () => {
    const broken = modelDeployment('broken', { rollout: { progressDeadlineSeconds: 15 } }, { uri: 'pvc://models/nonexistent.onnx' });
    const app = await appChart('broken', broken);
    const started = Date.now();
    const res = await helmOn(cluster, ['install', 'broken', app, '-n', NS, '--wait=watcher', '--timeout', '5m']);
    const elapsed = Date.now() - started;
    assert.notEqual(res.code, 0, 'helm must fail');
    assert.ok(elapsed < 180_000, `helm took ${Math.round(elapsed / 1000)} s: it waited for the timeout instead of failing on Stalled`);
    // Helm's kstatus waiter stops at the first Failed (Stalled=True) resource and names it.
    assert.match(res.stderr, /resource ModelDeployment\/ml\/broken not ready\. status: Failed, message: .*nonexistent\.onnx: ENOENT/);
    const md = await getMd(cluster, NS, 'broken');
    assert.equal(condition(md, 'Stalled'), 'True');
  });

  test('helm upgrade to a chart with a changed CRD updates the CRD in place, keeping every ModelDeployment', async () => {
    const before = await getMd(cluster, NS, 'demo');
    const changed = await mkdtemp(path.join(tmpdir(), 'modelship-chart-'));
    await cp(chartDir, changed, { recursive: true });
    const crdFile = path.join(changed, 'templates', 'crds', 'modelship.io_modeldeployments.yaml');
    const text = await readFile(crdFile, 'utf8');
    const marker = '      additionalPrinterColumns:\n';
    assert.ok(text.includes(marker));
    await writeFile(
      crdFile,
      text.replace(marker, `${marker}        - name: Upgraded\n          type: string\n          jsonPath: .spec.model.uri\n          description: Added by the upgrade test.\n`),
    );
    const res = await helmOn(cluster, ['upgrade', RELEASE, changed, '-n', OPERATOR_NAMESPACE, '-f', await valuesFile(TEST_VALUES), '--wait=watcher', '--timeout', '3m']);
    assert.equal(res.code, 0, res.stderr);
    const columns = await kubectl(cluster, ['get', 'crd', 'modeldeployments.modelship.io', '-o', 'jsonpath={.spec.versions[0].additionalPrinterColumns[*].name}']);
    assert.match(columns.stdout, /\bUpgraded\b/);
    const after = await getMd(cluster, NS, 'demo');
    assert.equal(after?.metadata.uid, before?.metadata.uid);
    // And back to the real chart, which removes the column again.
    assert.equal((await installChart(cluster)).code, 0);
    const restored = await kubectl(cluster, ['get', 'crd', 'modeldeployments.modelship.io', '-o', 'jsonpath={.spec.versions[0].additionalPrinterColumns[*].name}']);
    assert.doesNotMatch(restored.stdout, /\bUpgraded\b/);
  });

  test('with metricsAdapter on, the release serves custom.metrics.k8s.io, and an upgrade keeps its serving certificate', async () => {
    const values = { ...TEST_VALUES, metricsAdapter: { enabled: true } };
    const api = 'v1beta2.custom.metrics.k8s.io';
    const tls = async () => {
      const secret = await kubectl(cluster, ['get', 'secret', '-n', OPERATOR_NAMESPACE, `${RELEASE}-metrics-adapter-tls`, '-o', 'jsonpath={.data}']);
      const caBundle = await kubectl(cluster, ['get', 'apiservice', api, '-o', 'jsonpath={.spec.caBundle}']);
      return { data: JSON.parse(secret.stdout) as Record<string, string>, caBundle: caBundle.stdout };
    };
    const installed = await installChart(cluster, values);
    assert.equal(installed.code, 0, installed.stderr);
    await waitFor(`${api} to be Available`, async () => {
      const available = await kubectl(cluster, ['get', 'apiservice', api, '-o', 'jsonpath={.status.conditions[?(@.type=="Available")].status}']);
      return available.stdout === 'True';
    });
    const discovery = await kubectl(cluster, ['get', '--raw', '/apis/custom.metrics.k8s.io/v1beta2']);
    assert.match(discovery.stdout, /"name":"pods\/modelship_inflight_requests"/, discovery.stderr);
    const first = await tls();
    assert.equal(first.caBundle, first.data['ca.crt']);
    // A fresh genCA on every render would break the APIService until the pod restarted: lookup keeps it.
    const upgraded = await installChart(cluster, values);
    assert.equal(upgraded.code, 0, upgraded.stderr);
    assert.deepEqual(await tls(), first);
    // Back to the defaults: the adapter and its APIService go with the value.
    assert.equal((await installChart(cluster)).code, 0);
    assert.notEqual((await kubectl(cluster, ['get', 'apiservice', api])).code, 0);
  });

  test('helm uninstall keeps the CRD and the ModelDeployments (helm.sh/resource-policy: keep)', async () => {
    for (const release of ['good', 'broken']) await helmOn(cluster, ['uninstall', release, '-n', NS, '--wait']);
    const res = await helmOn(cluster, ['uninstall', RELEASE, '-n', OPERATOR_NAMESPACE, '--wait']);
    assert.equal(res.code, 0, res.stderr);
    assert.equal((await kubectl(cluster, ['get', 'crd', 'modeldeployments.modelship.io'])).code, 0);
    assert.ok(await getMd(cluster, NS, 'demo'), 'ModelDeployment demo survives the uninstall');
    // Reinstalling adopts the kept CRD.
    const again = await installChart(cluster);
    assert.equal(again.code, 0, again.stderr);
  });
});

/** A one-template application chart holding `md`, like a team's own chart for its model. */
async function appChart(name: string, md: Record<string, unknown>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), `modelship-app-${name}-`));
  await writeFile(path.join(dir, 'Chart.yaml'), `apiVersion: v2\nname: ${name}\nversion: 0.1.0\n`);
  await mkdir(path.join(dir, 'templates'));
  await writeFile(path.join(dir, 'templates', 'modeldeployment.yaml'), toYaml(md));
  return dir;
}
