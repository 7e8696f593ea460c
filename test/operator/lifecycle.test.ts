// The operator against a real control plane: a ModelDeployment applied with
// kubectl becomes correctly owned children and an honest status; scaling, hand
// edits, deletion and version changes all converge. Runtime pods use an image
// the local kubelet does not know, so they are Ready without running: these
// tests are about the operator, not about serving.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Deployment, V1Service, V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import { clusterForSuite, createNamespace, kubectl } from '../../proving-ground/test-cluster.ts';
import type { KubeClient } from '../../src/kube/client.ts';
import { ApiError, isNotFound } from '../../src/kube/errors.ts';
import type { KubeList } from '../../src/kube/object.ts';
import type { ModelDeploymentSpec } from '../../src/api/types.ts';
import { adminClient, applyModelDeployment, condition, eventually, FAKE_RUNTIME_IMAGE, getMd, installCrds, OperatorProcess } from './harness.ts';

const NS = 'ml';
const spec = (over: Partial<ModelDeploymentSpec> = {}): ModelDeploymentSpec => ({
  model: { version: '1', uri: 's3://models/fraud/1/model.onnx' },
  replicas: 1,
  ...over,
});
/**
 * The Deployment serving a ModelDeployment: each revision has its own, `<name>-<hash>` (ADR 0003); this is
 * the stable revision's, or while none is stable the one with pods. Rejects when there is none.
 */
async function dep(c: KubeClient, name: string): Promise<V1Deployment> {
  const list = await c.get<KubeList<V1Deployment>>(`/apis/apps/v1/namespaces/${NS}/deployments`, { query: { labelSelector: `modelship.io/deployment=${name}` } });
  const stable = (await getMd(c, NS, name).catch(() => undefined))?.status?.stableRevision?.hash;
  const found = list.items.find((d) => d.metadata?.labels?.['modelship.io/revision'] === stable) ?? list.items.find((d) => (d.spec?.replicas ?? 0) > 0) ?? list.items[0];
  if (!found) throw new ApiError(404, `no Deployment of ${name}`, 'NotFound');
  return found;
}
const svc = (c: KubeClient, name: string) => c.get<V1Service>(`/api/v1/namespaces/${NS}/services/${name}`);
const hpa = (c: KubeClient, name: string) => c.get<V2HorizontalPodAutoscaler>(`/apis/autoscaling/v2/namespaces/${NS}/horizontalpodautoscalers/${name}`);
const gone = (p: Promise<unknown>) => p.then(() => false, (e: unknown) => isNotFound(e));

describe('the operator reconciles ModelDeployments on the proving ground', () => {
  let op: OperatorProcess | undefined;
  after(async () => {
    await op?.stop();
  });
  const suite = clusterForSuite({ nodes: 1 });
  let client: KubeClient;

  before(async () => {
    const { cluster } = suite;
    client = adminClient(cluster);
    await installCrds(cluster);
    await createNamespace(cluster, NS);
    op = await OperatorProcess.start(cluster, { name: 'lifecycle', args: ['--resync-period=30s'] });
  });

  test('the generated CRD installs with kubectl and is Established', async () => {
    const out = await kubectl(suite.cluster, 'get', 'crd', 'modeldeployments.modelship.io', '-o', 'jsonpath={.status.conditions[?(@.type=="Established")].status}');
    assert.equal(out, 'True');
  });

  test('kubectl apply of a ModelDeployment creates its Deployment and Service, owned by it', async () => {
    await applyModelDeployment(suite.cluster, 'fraud', NS, spec());
    const md = await getMd(client, NS, 'fraud');
    const d = await eventually('the Deployment', () => dep(client, 'fraud'), op);
    const s = await eventually('the Service', () => svc(client, 'fraud'), op);
    for (const child of [d, s]) {
      assert.deepEqual(child.metadata?.ownerReferences, [
        { apiVersion: 'modelship.io/v1alpha1', kind: 'ModelDeployment', name: 'fraud', uid: md.metadata.uid, controller: true, blockOwnerDeletion: true },
      ]);
      assert.equal(child.metadata?.labels?.['app.kubernetes.io/managed-by'], 'modelship');
    }
    assert.equal(s.spec?.ports?.[0]?.port, 80);
    assert.equal(d.spec?.template.spec?.containers[0]?.image, FAKE_RUNTIME_IMAGE);
    const managers = (d.metadata?.managedFields ?? []).filter((m) => m.operation === 'Apply').map((m) => m.manager);
    assert.deepEqual(managers, ['modelship'], 'one field manager, server-side apply');
  });

  test('the status becomes Ready and reports the serving version, URL and /scale selector', async () => {
    const md = await eventually('fraud to be Ready', async () => {
      const m = await getMd(client, NS, 'fraud');
      return condition(m, 'Ready') === 'True' && m;
    }, op);
    assert.equal(md.status?.observedGeneration, md.metadata.generation);
    assert.equal(md.status?.stableRevision?.version, '1');
    assert.equal(md.status?.url, 'http://fraud.ml.svc.cluster.local');
    assert.equal(md.status?.selector, 'app.kubernetes.io/name=modelship-runtime,modelship.io/deployment=fraud');
    assert.equal(md.status?.readyReplicas, 1);
    assert.equal(condition(md, 'Available'), 'True');
    assert.equal(condition(md, 'Reconciling'), undefined, 'kstatus: Reconciling is absent once done');
    assert.equal(condition(md, 'Stalled'), undefined);
    const wait = await kubectl(suite.cluster, 'wait', '-n', NS, '--for=condition=Ready', '--timeout=5s', 'md/fraud');
    assert.match(wait, /condition met/);
    // A new object is not a change: its creation is told by its status and children, not an Event (ADR 0006).
    const events = await kubectl(suite.cluster, 'get', 'events', '-n', NS, '--field-selector', 'involvedObject.name=fraud', '-o', 'jsonpath={.items[*].reason}');
    assert.doesNotMatch(events, /\bCreated\b/);
  });

  test('kubectl scale md/fraud --replicas=3 resizes the Deployment', async () => {
    await kubectl(suite.cluster, 'scale', '-n', NS, 'md/fraud', '--replicas=3');
    await eventually('3 replicas', async () => (await dep(client, 'fraud')).spec?.replicas === 3, op);
    const md = await eventually('3 ready replicas in status', async () => {
      const m = await getMd(client, NS, 'fraud');
      return m.status?.readyReplicas === 3 && m;
    }, op);
    const scale = JSON.parse(await kubectl(suite.cluster, 'get', '--raw', `/apis/modelship.io/v1alpha1/namespaces/${NS}/modeldeployments/fraud/scale`));
    assert.equal(scale.status.replicas, 3);
    assert.equal(scale.status.selector, md.status?.selector);
  });

  test('an HPA scales the ModelDeployment through /scale and the Deployment follows', async () => {
    await applyModelDeployment(suite.cluster, 'fraud', NS, spec({ replicas: 1, autoscaling: { minReplicas: 2, maxReplicas: 4, targetCPUUtilizationPercentage: 70 } }));
    const h = await eventually('the HPA', () => hpa(client, 'fraud'), op);
    assert.deepEqual(h.spec?.scaleTargetRef, { apiVersion: 'modelship.io/v1alpha1', kind: 'ModelDeployment', name: 'fraud' });
    // Below minReplicas the HPA raises md.spec.replicas itself; the operator only follows.
    await eventually('the HPA to set md.spec.replicas to 2', async () => (await getMd(client, NS, 'fraud')).spec.replicas === 2, op, 90_000);
    await eventually('the Deployment to follow', async () => (await dep(client, 'fraud')).spec?.replicas === 2, op);
  });

  test('removing spec.autoscaling removes the HPA', async () => {
    await applyModelDeployment(suite.cluster, 'fraud', NS, spec({ replicas: 2 }));
    await eventually('the HPA to be deleted', () => gone(hpa(client, 'fraud')), op);
  });

  test('a deleted Deployment is restored', async () => {
    const before = await dep(client, 'fraud');
    await kubectl(suite.cluster, 'delete', '-n', NS, `deployment/${before.metadata?.name}`, '--wait=false');
    const after = await eventually('a new Deployment', async () => {
      const d = await dep(client, 'fraud').catch(() => undefined);
      return d && d.metadata?.uid !== before.metadata?.uid && d;
    }, op);
    assert.equal(after.spec?.replicas, 2);
  });

  test('a hand edit of a field the operator owns is undone', async () => {
    await kubectl(suite.cluster, 'patch', '-n', NS, 'service/fraud', '--type=json', '-p', '[{"op":"replace","path":"/spec/ports/0/port","value":81}]');
    await eventually('the Service port back at 80', async () => (await svc(client, 'fraud')).spec?.ports?.[0]?.port === 80, op);
    await kubectl(suite.cluster, 'scale', '-n', NS, `deployment/${(await dep(client, 'fraud')).metadata?.name}`, '--replicas=5');
    await eventually('the Deployment back at 2 replicas', async () => (await dep(client, 'fraud')).spec?.replicas === 2, op);
    await kubectl(suite.cluster, 'label', '-n', NS, 'service/fraud', 'app.kubernetes.io/managed-by-');
    await eventually('the label restored', async () => (await svc(client, 'fraud')).metadata?.labels?.['app.kubernetes.io/managed-by'] === 'modelship', op);
  });

  test('changing spec.model.version rolls out a new revision and status names the new version once it serves', async () => {
    const first = (await getMd(client, NS, 'fraud')).status?.stableRevision;
    await applyModelDeployment(suite.cluster, 'fraud', NS, spec({ replicas: 2, model: { version: '2', uri: 's3://models/fraud/2/model.onnx' } }));
    const d = await eventually('a Deployment of version 2', async () => {
      const x = await dep(client, 'fraud');
      return x.spec?.template.metadata?.labels?.['modelship.io/version'] === '2' && x;
    }, op);
    assert.equal(d.metadata?.name, `fraud-${d.spec?.template.metadata?.labels?.['modelship.io/revision']}`);
    assert.deepEqual(d.spec?.strategy?.rollingUpdate, { maxUnavailable: 0, maxSurge: '25%' });
    const md = await eventually('version 2 to be stable and Ready', async () => {
      const m = await getMd(client, NS, 'fraud');
      return m.status?.stableRevision?.version === '2' && condition(m, 'Ready') === 'True' && m;
    }, op);
    assert.equal(md.status?.stableRevision?.revision, (first?.revision ?? 0) + 1);
    assert.notEqual(md.status?.stableRevision?.hash, first?.hash);
    assert.deepEqual(md.status?.history?.map((h) => h.version), ['1', '2']);
    const events = await kubectl(suite.cluster, 'get', 'events', '-n', NS, '--field-selector', 'involvedObject.name=fraud', '-o', 'jsonpath={.items[*].reason}');
    // Created: the HPA added to the serving object (its own creation was no Event: the test above).
    for (const reason of ['Created', 'Restored', 'RolloutStarted', 'RolloutCompleted']) assert.match(events, new RegExp(reason));
  });

  test('a child in the way that belongs to someone else is reported as Stalled, not taken over', async () => {
    await kubectl(suite.cluster, 'create', 'service', 'clusterip', 'taken', '-n', NS, '--tcp=80:8080');
    await applyModelDeployment(suite.cluster, 'taken', NS, spec());
    const md = await eventually('taken to be Stalled', async () => {
      const m = await getMd(client, NS, 'taken');
      return condition(m, 'Stalled') === 'True' && m;
    }, op);
    assert.match(md.status?.conditions?.find((c) => c.type === 'Stalled')?.message ?? '', /Service taken already exists/);
    const s = await svc(client, 'taken');
    assert.equal(s.metadata?.ownerReferences, undefined, 'the foreign Service is untouched');
  });

  test('deleting the ModelDeployment garbage-collects its children', async () => {
    await kubectl(suite.cluster, 'delete', '-n', NS, 'md/fraud');
    await eventually('the Deployment to be collected', () => gone(dep(client, 'fraud')), op, 90_000);
    await eventually('the Service to be collected', () => gone(svc(client, 'fraud')), op, 90_000);
  });
});
