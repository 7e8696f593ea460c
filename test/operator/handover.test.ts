// The operator is safe to kill at any moment: a replacement converges to the
// same state, and of two replicas exactly one leads, handing over cleanly on
// SIGTERM.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Deployment } from '@kubernetes/client-node';
import { clusterForSuite, createNamespace } from '../../proving-ground/test-cluster.ts';
import { pollUntil } from '../../proving-ground/lib/wait.ts';
import type { KubeList } from '../../src/kube/object.ts';
import type { ModelDeployment } from '../../src/api/types.ts';
import { desiredRevision } from '../../src/builders/revision.ts';
import { adminClient, condition, eventually, FAKE_RUNTIME_IMAGE, installCrds, OperatorProcess } from './harness.ts';

const NS = 'handover';
const COUNT = 30;
const MDS = `/apis/modelship.io/v1alpha1/namespaces/${NS}/modeldeployments`;

describe('operator handover', () => {
  const ops: OperatorProcess[] = [];
  after(async () => {
    await Promise.all(ops.map((o) => o.stop()));
  });
  const suite = clusterForSuite({ nodes: 1 });

  before(async () => {
    await installCrds(suite.cluster);
    await createNamespace(suite.cluster, NS);
  });

  test('an operator SIGKILLed mid-reconcile is replaced by one that converges to the same state', async () => {
    const client = adminClient(suite.cluster);
    await Promise.all(
      Array.from({ length: COUNT }, (_, i) =>
        client.create(MDS, {
          apiVersion: 'modelship.io/v1alpha1',
          kind: 'ModelDeployment',
          metadata: { name: `m${i}` },
          spec: { model: { version: String(i % 3), uri: `s3://models/m/${i}.onnx` }, replicas: 1 + (i % 2) },
        }),
      ),
    );
    const first = await OperatorProcess.start(suite.cluster, { name: 'killed', args: ['--max-concurrent-reconciles=2'] });
    ops.push(first);
    const deployments = () => client.get<KubeList<V1Deployment>>(`/apis/apps/v1/namespaces/${NS}/deployments`);
    // Kill while work is half done: some children exist, others not yet.
    const seen = await pollUntil(async () => {
      const n = (await deployments()).items.length;
      return n > 0 && n;
    }, { description: 'the first Deployments', timeoutMs: 60_000, intervalMs: 20 });
    await first.kill();
    assert.ok(seen < COUNT, `killed after ${seen} of ${COUNT} Deployments`);

    const second = await OperatorProcess.start(suite.cluster, { name: 'replacement' });
    ops.push(second);
    const mds = await eventually('every ModelDeployment to be Ready', async () => {
      const list = await client.get<KubeList<ModelDeployment>>(MDS);
      return list.items.every((m) => condition(m, 'Ready') === 'True') && list.items;
    }, second, 120_000);
    const deps = (await deployments()).items;
    assert.equal(deps.length, COUNT, 'one Deployment each, none duplicated');
    for (const md of mds) {
      const d = deps.find((x) => x.metadata?.labels?.['modelship.io/deployment'] === md.metadata.name);
      const want = desiredRevision(md, FAKE_RUNTIME_IMAGE);
      assert.equal(d?.metadata?.ownerReferences?.[0]?.uid, md.metadata.uid);
      assert.equal(d?.spec?.template.metadata?.labels?.['modelship.io/revision'], want.hash);
      assert.equal(d?.spec?.replicas, md.spec.replicas);
      assert.equal(md.status?.stableRevision?.hash, want.hash);
      assert.equal(md.status?.stableRevision?.revision, 1, 'no revision counted twice');
    }
    await second.stop();
  });

  test('of two replicas exactly one leads, and SIGTERM hands the lease over at once', async () => {
    const client = adminClient(suite.cluster);
    const args = (id: string) => ['--leader-elect', '--leader-election-namespace=default', `--identity=${id}`];
    const a = await OperatorProcess.start(suite.cluster, { name: 'a', args: args('replica-a') });
    ops.push(a);
    const b = await OperatorProcess.start(suite.cluster, { name: 'b', args: args('replica-b') });
    ops.push(b);
    const lease = () => client.get<{ spec?: { holderIdentity?: string; leaseTransitions?: number } }>('/apis/coordination.k8s.io/v1/namespaces/default/leases/modelship-operator');
    const leader = await eventually('a leader', async () => (await lease()).spec?.holderIdentity || undefined, a);
    const [winner, standby] = leader === 'replica-a' ? [a, b] : [b, a];
    // Give the standby several retry periods to (wrongly) take over.
    await new Promise((r) => setTimeout(r, 6000));
    assert.equal((await lease()).spec?.holderIdentity, leader);
    assert.equal(await winner.metric('leader_election_master_status'), 1);
    assert.equal(await standby.metric('leader_election_master_status'), 0);
    assert.equal(await standby.ready(), true, 'a standby is ready: healthy and waiting');

    const started = Date.now();
    assert.equal(await winner.stop(), 0, 'a clean exit on SIGTERM');
    const next = await eventually('the standby to take the lease', async () => {
      const h = (await lease()).spec?.holderIdentity;
      return h && h !== leader && h;
    }, standby, 30_000);
    const tookMs = Date.now() - started;
    assert.notEqual(next, leader);
    // A released lease is taken on the standby's next try (2 s retry period), not after the 15 s lease expires.
    assert.ok(tookMs < 8000, `handover took ${tookMs} ms`);
    await eventually('the new leader to report it', async () => (await standby.metric('leader_election_master_status')) === 1, standby);
    // The new leader reconciles.
    await client.mergePatch(`${MDS}/m0`, { spec: { replicas: 3 } });
    const m0 = () => client.get<KubeList<V1Deployment>>(`/apis/apps/v1/namespaces/${NS}/deployments`, { query: { labelSelector: 'modelship.io/deployment=m0' } });
    await eventually('the new leader to act', async () => (await m0()).items[0]?.spec?.replicas === 3, standby);
  });
});
