// Two operator replicas and a canary in progress: leadership must never overlap, whether the API server
// freezes for everyone or one replica alone is cut off from it. The audit log is the witness: it records
// every write with the replica's identity in its User-Agent.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { load, dump } from 'js-yaml';
import type { Cluster } from '../../proving-ground/cluster.ts';
import { PartitionProxy } from '../../proving-ground/lib/partition-proxy.ts';
import { clusterForSuite, createNamespace } from '../../proving-ground/test-cluster.ts';
import { delay } from '../../proving-ground/lib/wait.ts';
import type { ModelDeploymentSpec } from '../../src/api/types.ts';
import type { KubeClient } from '../../src/kube/client.ts';
import type { AuditEvent } from './harness.ts';
import { adminClient, applyModelDeployment, condition, eventually, getMd, installCrds, operatorWrites, OperatorProcess } from './harness.ts';

const LEASE_NS = 'default';
const LEASE_DURATION_MS = 15_000;
const RENEW_DEADLINE_MS = 10_000;
const RETRY_PERIOD_MS = 2_000;

function canary(version: string): ModelDeploymentSpec {
  return {
    model: { version, uri: `s3://models/m/${version}.onnx` },
    replicas: 4,
    rollout: { strategy: 'Canary', steps: [{ setWeight: 25 }, { pause: { duration: '20s' } }, { setWeight: 50 }, { pause: { duration: '10s' } }] },
  };
}

function replicaArgs(identity: string): string[] {
  return ['--leader-elect', `--leader-election-namespace=${LEASE_NS}`, `--identity=${identity}`];
}

async function leaseHolder(client: KubeClient): Promise<string | undefined> {
  const lease = await client.get<{ spec?: { holderIdentity?: string } }>(`/apis/coordination.k8s.io/v1/namespaces/${LEASE_NS}/leases/modelship-operator`).catch(() => undefined);
  return lease?.spec?.holderIdentity || undefined;
}

/** The identity each operator write came from, in the order the API server received them. */
function writers(cluster: Cluster, since: Date): Array<{ identity: string; at: number; e: AuditEvent }> {
  return operatorWrites(cluster, since)
    .map((e) => ({ identity: /\(([^)]+)\)/.exec(e.userAgent ?? '')?.[1] ?? '?', at: Date.parse(e.requestReceivedTimestamp), e }))
    .sort((a, b) => a.at - b.at);
}

/** "a a a b b" → ['a', 'b']: who held the pen, in turn. Leadership that overlaps shows as "a b a". */
function turns(sequence: string[]): string[] {
  return sequence.filter((id, i) => i === 0 || sequence[i - 1] !== id);
}

/** The admin kubeconfig, pointed at another address: the same credentials through a proxy. */
function kubeconfigThrough(cluster: Cluster, port: number, file: string): string {
  const config = load(readFileSync(cluster.kubeconfigPath, 'utf8')) as { clusters: Array<{ cluster: { server: string } }> };
  for (const c of config.clusters) c.cluster.server = c.cluster.server.replace(/:\d+$/, `:${port}`);
  writeFileSync(file, dump(config));
  return file;
}

describe('leadership under API outages', () => {
  const ops: OperatorProcess[] = [];
  const proxies: PartitionProxy[] = [];
  const suite = clusterForSuite({ nodes: 1 });
  before(async () => {
    await installCrds(suite.cluster);
  });
  after(async () => {
    await Promise.all(ops.map((o) => o.kill()));
    await Promise.all(proxies.map((p) => p.close()));
  });

  test('an API server frozen mid-canary: at most one replica writes at any moment, and the rollout finishes after it returns', async (t) => {
    const ns = 'freeze';
    await createNamespace(suite.cluster, ns);
    const client = adminClient(suite.cluster);
    const since = new Date();
    const a = await OperatorProcess.start(suite.cluster, { name: 'freeze-a', args: replicaArgs('freeze-a') });
    ops.push(a);
    await eventually('replica a to lead', async () => (await leaseHolder(client)) === 'freeze-a', a);
    const b = await OperatorProcess.start(suite.cluster, { name: 'freeze-b', args: replicaArgs('freeze-b') });
    ops.push(b);

    await applyModelDeployment(suite.cluster, 'm', ns, canary('1'));
    await eventually('version 1 Ready', async () => condition(await getMd(client, ns, 'm'), 'Ready') === 'True', a, 90_000);
    await applyModelDeployment(suite.cluster, 'm', ns, canary('2'));
    await eventually('the canary to start', async () => (await getMd(client, ns, 'm')).status?.canaryRevision !== undefined, a, 60_000);

    const apiserver = suite.cluster.components.find((c) => c.name === 'kube-apiserver');
    assert.ok(apiserver, 'the API server process');
    process.kill(apiserver.pid, 'SIGSTOP');
    try {
      await delay(25_000);
    } finally {
      process.kill(apiserver.pid, 'SIGCONT');
    }

    const md = await eventually('version 2 promoted and Ready after the freeze', async () => {
      const m = await getMd(client, ns, 'm');
      return m.status?.stableRevision?.version === '2' && m.status?.canaryRevision === undefined && condition(m, 'Ready') === 'True' && m;
    }, undefined, 180_000);
    assert.equal(md.status?.stableRevision?.version, '2');

    const sequence = writers(suite.cluster, since).map((w) => w.identity);
    assert.ok(sequence.length > 0);
    assert.ok(!sequence.includes('?'), 'every write names its replica');
    const order = turns(sequence);
    t.diagnostic(`writers in turn: ${order.join(' → ')} (${sequence.length} writes)`);
    assert.ok(order.length <= 2, `writers took turns ${order.join(' → ')}: leadership overlapped`);
    await Promise.all([a.kill(), b.kill()]);
  });

  test('a leader cut off from the API server stops before the other replica takes over, within the lease duration', async (t) => {
    const ns = 'partition';
    await createNamespace(suite.cluster, ns);
    const client = adminClient(suite.cluster);
    // The previous test's lease may still be held by a killed replica: wait it out so the roles are clear.
    await eventually('the previous lease to lapse', async () => {
      const holder = await leaseHolder(client);
      return holder === undefined || !holder.startsWith('freeze') || (await delay(1_000), false);
    }, undefined, 60_000).catch(() => undefined);
    const since = new Date();
    const api = new URL(suite.cluster.server);
    const proxy = await PartitionProxy.start(api.hostname, Number(api.port));
    proxies.push(proxy);
    const kubeconfig = kubeconfigThrough(suite.cluster, proxy.port, join(suite.cluster.dir, 'kubeconfig-through-proxy'));
    const a = await OperatorProcess.start(suite.cluster, { name: 'cut-a', kubeconfig, args: replicaArgs('cut-a') });
    ops.push(a);
    await eventually('replica a to lead', async () => (await leaseHolder(client)) === 'cut-a', a, 60_000);
    const b = await OperatorProcess.start(suite.cluster, { name: 'cut-b', args: replicaArgs('cut-b') });
    ops.push(b);
    await applyModelDeployment(suite.cluster, 'm', ns, canary('1'));
    await eventually('version 1 Ready', async () => condition(await getMd(client, ns, 'm'), 'Ready') === 'True', a, 90_000);
    await applyModelDeployment(suite.cluster, 'm', ns, canary('2'));
    await eventually('the canary to start', async () => (await getMd(client, ns, 'm')).status?.canaryRevision !== undefined, a, 60_000);

    proxy.cut();
    const cutAt = Date.now();
    const exitCode = await Promise.race([a.exited, delay(RENEW_DEADLINE_MS + 10_000).then(() => 'still running' as const)]);
    const aStoppedAt = Date.now();
    assert.notEqual(exitCode, 'still running', `the cut-off leader kept running:\n${a.logTail()}`);
    assert.match(a.logTail(), /leadership lost/);
    await eventually('replica b to lead', async () => (await leaseHolder(client)) === 'cut-b', b, 60_000);
    const takeoverMs = Date.now() - cutAt;
    t.diagnostic(`cut-off leader stopped after ${aStoppedAt - cutAt} ms; b led after ${takeoverMs} ms`);
    assert.ok(aStoppedAt - cutAt < LEASE_DURATION_MS, `the cut-off leader stopped ${aStoppedAt - cutAt} ms after the cut, after the lease could lapse`);
    // b acts once the lease it last saw change is a lease duration old; a renewed at most one retry period
    // before the cut, and b polls every retry period (+20% jitter).
    assert.ok(takeoverMs <= LEASE_DURATION_MS + RETRY_PERIOD_MS * 1.2 + 1_000, `b took over ${takeoverMs} ms after the cut`);

    await eventually('b finishes the rollout', async () => {
      const m = await getMd(client, ns, 'm');
      return m.status?.stableRevision?.version === '2' && condition(m, 'Ready') === 'True';
    }, b, 120_000);
    const ws = writers(suite.cluster, since);
    const lastOfA = Math.max(...ws.filter((w) => w.identity === 'cut-a').map((w) => w.at));
    const firstOfB = Math.min(...ws.filter((w) => w.identity === 'cut-b').map((w) => w.at));
    assert.ok(lastOfA < firstOfB, 'the cut-off replica wrote after the new leader had started');
    assert.deepEqual(turns(ws.map((w) => w.identity)), ['cut-a', 'cut-b']);
  });
});
