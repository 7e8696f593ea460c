// Flux drives Modelship on the proving ground: Flux's own source-, kustomize- and helm-controller (built from
// their Go modules, proving-ground/flux) read an S3 bucket on loopback as a Bucket source. A HelmRelease
// installs and upgrades the chart (CRD included; its operator pod serves the rest of the suite), and a
// Kustomization with wait: true applies a ModelDeployment whose pods are real runtime processes: Ready only
// when the model serves, a version change reported as progress then Ready, a broken version failing the
// health check early (Flux names the ModelDeployment as Failed; the object's Stalled condition carries the
// reason) while the old version serves on, and a re-apply of an
// unchanged source making no operator write.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { dump } from 'js-yaml';
import { startFlux, FLUX_NAMESPACE } from '../../proving-ground/flux/flux.ts';
import type { RunningFlux } from '../../proving-ground/flux/flux.ts';
import type { FluxControllerName } from '../../proving-ground/flux/build-flux.ts';
import { clusterForSuite, createNamespace, kubectl } from '../../proving-ground/test-cluster.ts';
import type { KubeClient } from '../../src/kube/client.ts';
import { CRD_NAME } from '../../src/api/constants.ts';
import { adminClient, getMd, operatorWrites } from '../operator/harness.ts';
import { conditionOf, isReady, modelSpec, provideModels, SteadyTraffic, stopAllTraffic, waitForMd } from '../rollout/harness.ts';
import { chartDir } from '../chart/helm.ts';
import { TEST_VALUES } from '../chart/cluster.ts';
import { BUCKET, BucketSource, helmRelease, kustomization } from './source.ts';

const NS = 'ml';
const NAME = 'diabetes';
const MODEL = 'diabetes';

interface FluxObject {
  metadata: { generation?: number; annotations?: Record<string, string> };
  status?: {
    observedGeneration?: number;
    lastHandledReconcileAt?: string;
    lastAppliedRevision?: string;
    conditions?: { type: string; status: string; reason: string; message: string }[];
    history?: { version: number; chartVersion: string; status: string }[];
  };
}

describe('Flux drives a ModelDeployment on the proving ground', () => {
  let client: KubeClient;
  let flux: RunningFlux | undefined;
  let source: BucketSource | undefined;

  after(async () => {
    await stopAllTraffic();
    await flux?.stop();
    await source?.stop();
  });
  const suite = clusterForSuite({ nodes: 1, crashBackoff: { initialMs: 500, maxMs: 5000 } });
  before(async () => {
    client = adminClient(suite.cluster);
    flux = await startFlux(suite.cluster, (line) => process.stderr.write(`[flux] ${line}\n`));
    source = await BucketSource.start();
    await createNamespace(suite.cluster, NS);
    await provideModels(suite.cluster, NS);
    await applyYaml(source.manifests());
  });

  async function applyYaml(yaml: string): Promise<void> {
    const file = `${suite.cluster.dir}/flux-${Date.now()}-${Math.random().toString(36).slice(2)}.yaml`;
    writeFileSync(file, yaml);
    await kubectl(suite.cluster, 'apply', '--server-side', '-f', file);
  }

  const fluxObject = (path: string) => client.get<FluxObject>(`/apis/${path}`);
  const kustomizationPath = `kustomize.toolkit.fluxcd.io/v1/namespaces/${FLUX_NAMESPACE}/kustomizations/models`;
  const ready = (o: FluxObject) => o.status?.conditions?.find((c) => c.type === 'Ready');

  /** A "git push": the ModelDeployment manifest in the bucket, then Flux asked to look now rather than in a minute. */
  async function push(spec: ReturnType<typeof modelSpec>): Promise<string> {
    const md = { apiVersion: 'modelship.io/v1alpha1', kind: 'ModelDeployment', metadata: { name: NAME, namespace: NS }, spec };
    await source!.put('models/diabetes.yaml', dump(md));
    return requestReconcile(`source.toolkit.fluxcd.io/v1/namespaces/${FLUX_NAMESPACE}/buckets/${BUCKET}`, 'bucket');
  }

  async function requestReconcile(path: string, kind: string): Promise<string> {
    const at = new Date().toISOString();
    const name = path.split('/').at(-1)!;
    await kubectl(suite.cluster, 'annotate', '--overwrite', '-n', FLUX_NAMESPACE, `${kind}/${name}`, `reconcile.fluxcd.io/requestedAt=${at}`);
    return at;
  }

  async function waitFlux<T>(
    path: string,
    what: string,
    accept: (o: FluxObject) => T | undefined | false | Promise<T | undefined | false>,
    timeoutMs = 300_000,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: FluxObject | undefined;
    for (;;) {
      last = await fluxObject(path).catch(() => undefined);
      const v = last && (await accept(last));
      if (v) return v;
      if (Date.now() > deadline) {
        const logs = flux!.processes.map((p) => `${p.name}:\n${flux!.logTail(p.name as FluxControllerName, 15)}`).join('\n');
        throw new Error(`timed out waiting for ${what}: ${JSON.stringify(last?.status, null, 1)}\n${logs}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  test('a HelmRelease installs the chart, CRD included, and upgrades it', async () => {
    await source!.putTree(chartDir, 'charts/modelship');
    await applyYaml(helmRelease(TEST_VALUES));
    const hr = `helm.toolkit.fluxcd.io/v2/namespaces/${FLUX_NAMESPACE}/helmreleases/modelship`;
    const installed = await waitFlux(hr, 'the HelmRelease to be Ready with release 1', (o) => ready(o)?.status === 'True' && o.status?.history?.[0]?.version === 1 && o);
    assert.equal(installed.status?.history?.[0]?.status, 'deployed');
    assert.equal(await kubectl(suite.cluster, 'get', 'crd', CRD_NAME, '-o', 'jsonpath={.metadata.name}'), CRD_NAME);

    await applyYaml(helmRelease({ ...TEST_VALUES, podAnnotations: { 'example.com/upgraded': 'yes' } }));
    const upgraded = await waitFlux(hr, 'the upgrade to be Ready', (o) => ready(o)?.status === 'True' && o.status?.history?.[0]?.version === 2 && o);
    assert.equal(upgraded.status?.history?.[0]?.status, 'deployed');
    const annotations = await kubectl(suite.cluster, 'get', 'deployment', '-n', 'modelship-system', 'modelship', '-o', 'jsonpath={.spec.template.metadata.annotations}');
    assert.match(annotations, /example.com\/upgraded/);
  });

  test('a Kustomization with wait: true is Ready only once the model serves', async () => {
    await push(modelSpec('1'));
    await applyYaml(kustomization());
    let sawWaiting = false;
    await waitFlux(kustomizationPath, 'the Kustomization to be Ready', async (o) => {
      const c = ready(o);
      const md = await getMd(client, NS, NAME).catch(() => undefined);
      if (md && !isReady(md)) {
        assert.notEqual(c?.status, 'True', `Flux reported Ready while the ModelDeployment was not: ${JSON.stringify(md.status?.conditions)}`);
        sawWaiting ||= c?.status === 'Unknown';
      }
      return c?.status === 'True' && o;
    });
    assert.ok(sawWaiting, 'Flux was seen waiting for the ModelDeployment');
    const md = await getMd(client, NS, NAME);
    assert.ok(isReady(md), 'the ModelDeployment is Ready when Flux is');
    const traffic = new SteadyTraffic(client, NS, NAME, MODEL);
    await traffic.start();
    await new Promise((r) => setTimeout(r, 2000));
    const summary = await traffic.stop();
    assert.equal(summary.failed, 0, summary.failures.join('\n'));
    assert.deepEqual(Object.keys(summary.byVersion), ['1']);
  });

  test('a version change rolls out: Flux reports progress, then Ready', async () => {
    const previous = (await fluxObject(kustomizationPath)).status?.lastAppliedRevision;
    await push(modelSpec('2'));
    let sawProgress = false;
    await waitFlux(kustomizationPath, 'version 2 to be applied and healthy', async (o) => {
      const c = ready(o);
      sawProgress ||= c?.status === 'Unknown' && c.reason === 'Progressing';
      const md = await getMd(client, NS, NAME);
      return c?.status === 'True' && o.status?.lastAppliedRevision !== previous && md.spec.model.version === '2' && isReady(md) && o;
    });
    assert.ok(sawProgress, 'Flux reported progress while version 2 rolled out');
    assert.equal((await getMd(client, NS, NAME)).status?.stableRevision?.version, '2');
  });

  test('a broken version fails the health check early, the ModelDeployment saying why; version 2 keeps serving', async () => {
    const traffic = new SteadyTraffic(client, NS, NAME, MODEL);
    await traffic.start();
    const broken = modelSpec('3');
    broken.model.sha256 = '0'.repeat(64);
    await push(broken);
    const failed = await waitFlux(kustomizationPath, 'the health check to fail', (o) => ready(o)?.status === 'False' && ready(o)?.reason === 'HealthCheckFailed' && o);
    const md = await waitForMd(client, NS, NAME, 'the rollback to be reported', (m) => conditionOf(m, 'Stalled')?.status === 'True' && m);
    const stalled = conditionOf(md, 'Stalled')!.message;
    // Flux v2.7 names the failed object and its kstatus verdict, not its message; the reason is on the object.
    assert.match(ready(failed)!.message, /failed early due to stalled resources: \[ModelDeployment\/ml\/diabetes status: 'Failed'\]/);
    assert.ok(stalled.includes('checksum mismatch'), stalled);
    await new Promise((r) => setTimeout(r, 2000));
    const summary = await traffic.stop();
    assert.equal(summary.failed, 0, summary.failures.join('\n'));
    assert.deepEqual(Object.keys(summary.byVersion), ['2'], 'only version 2 answered');
    assert.equal(md.status?.stableRevision?.version, '2');
  });

  test('re-applying an unchanged source makes no write by the operator', async () => {
    await push(modelSpec('2'));
    await waitFlux(kustomizationPath, 'version 2 to be healthy again', async (o) => ready(o)?.status === 'True' && isReady(await getMd(client, NS, NAME)) && o);
    await new Promise((r) => setTimeout(r, 3000));
    const before = await getMd(client, NS, NAME);
    const since = new Date();
    const at = await requestReconcile(kustomizationPath, 'kustomization');
    await waitFlux(kustomizationPath, 'the re-apply to be handled', (o) => o.status?.lastHandledReconcileAt === at && ready(o)?.status === 'True' && o);
    await new Promise((r) => setTimeout(r, 3000));
    const after = await getMd(client, NS, NAME);
    assert.equal(after.metadata.resourceVersion, before.metadata.resourceVersion, 'the re-apply did not change the ModelDeployment');
    // Lease renewals of its leader election are the operator's only writes; nothing about the model.
    const writes = operatorWrites(suite.cluster, since, (e) => e.objectRef?.resource !== 'leases');
    assert.deepEqual(writes.map((e) => `${e.verb} ${e.objectRef?.resource}/${e.objectRef?.name}`), [], 'the operator wrote nothing');
  });
});
