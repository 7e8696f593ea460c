// Rollouts on the proving ground, with real runtime processes serving the fixture model and a client
// sending inference requests through the main Service's ClusterIP the whole time (kube-proxy picks the pod): a rolling update
// and a three-step canary complete (the canary's traffic follows its weights, also when the replica total
// changes mid-way as an HPA would), and bad versions (errors under traffic, a corrupt model file, a
// sha256 mismatch) are rolled back by themselves with no failed request.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { kubectl } from '../../proving-ground/test-cluster.ts';
import { ClientPod } from '../../proving-ground/client-pod/client-pod.ts';
import type { KubeClient } from '../../src/kube/client.ts';
import type { ModelDeployment } from '../../src/api/types.ts';
import { splitReplicas } from '../../src/rollout/split.ts';
import { adminClient, operatorWrites } from '../operator/harness.ts';
import {
  apply,
  conditionOf,
  INFER_BODY,
  isReady,
  MODEL_URI,
  modelSpec,
  revisionDeployments,
  runtimePods,
  shareOf,
  sleep,
  startOperator,
  SteadyTraffic,
  waitForMd,
  CORRUPT_MODEL_URI,
  provideModels,
  rolloutCluster,
} from './harness.ts';
import type { RunningOperator, TrafficSummary } from './harness.ts';

const NS = 'rollouts';
const MODEL = 'diabetes';

describe('rollouts with real runtime pods and steady traffic', () => {
  let client: KubeClient;
  let op: RunningOperator;
  const timings: string[] = [];

  const suite = rolloutCluster(NS, async () => {
    await op?.stop();
    if (timings.length) process.stderr.write(`\n[rollout timings]\n${timings.join('\n')}\n`);
  });
  before(async () => {
    client = adminClient(suite.cluster);
    await provideModels(suite.cluster, NS);
    op = await startOperator(suite.cluster, 'strategies');
  });

  const md = (name: string) => waitForMd(client, NS, name, `${name} to exist`, (m) => m, op);

  /** Applies version 1 and waits until it serves, then starts the steady client. */
  async function serving(name: string, spec: ReturnType<typeof modelSpec>, opts: ConstructorParameters<typeof SteadyTraffic>[4] = {}): Promise<SteadyTraffic> {
    await apply(suite.cluster, NS, name, spec);
    await waitForMd(client, NS, name, `${name} version ${spec.model.version} to be Ready`, (m) => isReady(m) && m.status?.stableRevision?.version === spec.model.version, op, 180_000);
    const traffic = new SteadyTraffic(client, NS, name, MODEL, opts);
    await traffic.start();
    await sleep(1000);
    return traffic;
  }

  function assertNoFailures(summary: Pick<TrafficSummary, 'failed' | 'sent' | 'ok' | 'failures'>, what: string): void {
    assert.equal(summary.failed, 0, `${what}: ${summary.failed} of ${summary.sent} requests failed:\n${summary.failures.join('\n')}`);
    assert.ok(summary.ok > 50, `${what}: only ${summary.ok} requests answered`);
  }

  test('a rolling update completes, reports Ready, and no request fails', async () => {
    const traffic = await serving('rolling', modelSpec('1', { rollout: { strategy: 'RollingUpdate', progressDeadlineSeconds: 120 } }));
    await apply(suite.cluster, NS, 'rolling', modelSpec('2', { rollout: { strategy: 'RollingUpdate', progressDeadlineSeconds: 120 } }));
    const done = await waitForMd(client, NS, 'rolling', 'version 2 to be stable and Ready', (m) => isReady(m) && m.status?.stableRevision?.version === '2' && m, op, 180_000);
    await sleep(1500);
    const summary = await traffic.stop();
    assertNoFailures(summary, 'rolling update');
    assert.ok((summary.byVersion['1'] ?? 0) > 0 && (summary.byVersion['2'] ?? 0) > 0, `both versions served: ${JSON.stringify(summary.byVersion)}`);
    assert.deepEqual(done.status?.history?.map((h) => [h.version, h.outcome]), [['1', 'Promoted'], ['2', 'Promoted']]);
    const deps = await revisionDeployments(client, NS, 'rolling');
    assert.equal(deps.get(done.status!.stableRevision!.hash)?.spec?.replicas, 2);
    assert.deepEqual([...deps.values()].map((d) => d.spec?.replicas).sort(), [0, 2], 'the old revision is kept at zero for undo');
  });

  test('a three-step canary follows its weights, keeps them when the total is scaled, and completes', async () => {
    const rollout = {
      strategy: 'Canary' as const,
      steps: [{ setWeight: 25 }, { pause: { duration: '12s' } }, { setWeight: 50 }, { pause: {} }, { setWeight: 75 }, { pause: { duration: '12s' } }],
      analysis: { interval: '3s', maxErrorRate: 0.02, minRequests: 10 },
      progressDeadlineSeconds: 120,
    };
    const traffic = await serving('canary', modelSpec('1', { replicas: 4, rollout }));
    // A second client inside the cluster: a pod sending through the ClusterIP from its own namespace.
    const inCluster = await ClientPod.start(client, { name: 'canary-client', namespace: NS, service: 'canary', path: `/v2/models/${MODEL}/infer`, body: JSON.parse(INFER_BODY) });
    await apply(suite.cluster, NS, 'canary', modelSpec('2', { replicas: 4, rollout }));

    /** Waits for a pause step with its pods in place, then measures who answers for a few seconds. */
    const measureStep = async (step: number, weight: number, total: number) => {
      const at = await waitForMd(client, NS, 'canary', `step ${step + 1} with ${weight}% of ${total}`, (m) => {
        const c = m.status?.canaryRevision;
        const split = splitReplicas(total, weight);
        return c?.step === step && c.readyReplicas === split.candidate && m.status?.stableRevision?.readyReplicas === split.stable && m.status.stableRevision.replicas === split.stable && m;
      }, op, 120_000);
      await sleep(1000); // kube-proxy's rules follow the EndpointSlices
      const since = Date.now();
      await sleep(3500);
      const until = Date.now();
      const split = splitReplicas(total, weight);
      const expected = split.candidate / (split.candidate + split.stable);
      for (const [who, counts] of [['host client', traffic.versionsSince(since)], ['client pod', await inCluster.versionsBetween(since, until)]] as const) {
        const { share, total: answers } = shareOf('2', counts);
        // Replica rounding is already in `expected` (within 1/(N+1) of the weight); what is left is the
        // randomness of kube-proxy's pick per connection: allow 4 standard deviations.
        const noise = 4 * Math.sqrt((expected * (1 - expected)) / answers);
        assert.ok(answers >= 20, `step ${step + 1}: the ${who} got only ${answers} answers`);
        assert.ok(Math.abs(share - expected) <= noise + 0.02, `step ${step + 1}, ${who}: version 2 answered ${(share * 100).toFixed(1)}% of ${answers}, expected ${(expected * 100).toFixed(1)}% (weight ${weight}%, ${split.candidate}+${split.stable} pods)`);
      }
      assert.ok(Math.abs(expected - weight / 100) <= 1 / (total + 1) + 1e-9);
      return at;
    };

    await measureStep(1, 25, 4);
    const paused = await measureStep(3, 50, 4);
    assert.equal(conditionOf(paused, 'Progressing')?.reason, 'CanaryPaused');
    assert.equal(conditionOf(paused, 'Reconciling')?.status, 'True');

    // What an HPA does: write the ModelDeployment's /scale. The split follows the new total at 50%.
    await kubectl(suite.cluster, 'scale', '-n', NS, 'modeldeployment/canary', '--replicas=6');
    await measureStep(3, 50, 6);

    await kubectl(suite.cluster, 'annotate', '-n', NS, 'modeldeployment/canary', 'modelship.io/promote=step');
    await measureStep(5, 75, 6);
    const done = await waitForMd(client, NS, 'canary', 'version 2 to be stable and Ready', (m) => isReady(m) && m.status?.stableRevision?.version === '2' && m, op, 180_000);
    await sleep(1500);
    const summary = await traffic.stop();
    assertNoFailures(summary, 'canary');
    assertNoFailures(await inCluster.stop(), 'canary, client pod');
    assert.equal(done.status?.analysis?.phase, 'Successful');
    assert.ok((done.status?.analysis?.successful ?? 0) >= 1);
    assert.equal(done.metadata.annotations?.['modelship.io/promote'], undefined, 'the one-shot annotation was removed');
    const deps = await revisionDeployments(client, NS, 'canary');
    assert.equal(deps.get(done.status!.stableRevision!.hash)?.spec?.replicas, 6);
  });

  /** Applies a bad version over a good one and measures until it is rolled back. */
  async function rollBack(name: string, bad: ReturnType<typeof modelSpec>, reason: RegExp, trafficOpts: ConstructorParameters<typeof SteadyTraffic>[4] = {}) {
    const good = modelSpec('1', { rollout: bad.rollout });
    const traffic = await serving(name, good, trafficOpts);
    const start = Date.now();
    await apply(suite.cluster, NS, name, bad);
    const rolledBack = await waitForMd(client, NS, name, `version ${bad.model.version} to be rolled back`, (m) => {
      const last = m.status?.history?.at(-1);
      return last?.version === bad.model.version && last.outcome === 'RolledBack' && m;
    }, op, 180_000);
    const decided = Date.now() - start;
    // Completed: the candidate has no pod left, and stable serves at full size.
    await waitForMd(client, NS, name, 'the candidate to be gone and stable at full size', async () => {
      const pods = await runtimePods(client, NS, name);
      return pods.every((p) => p.metadata?.labels?.['modelship.io/version'] === '1') && pods.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length === 2;
    }, op);
    const completed = Date.now() - start;
    await sleep(1500);
    const summary = await traffic.stop();
    const entry = rolledBack.status?.history?.at(-1);
    assert.match(entry?.reason ?? '', reason, JSON.stringify(entry));
    const after = await waitForMd(client, NS, name, 'a settled status', (m) => m.status?.observedGeneration === m.metadata.generation && m, op);
    assert.equal(conditionOf(after, 'Degraded')?.status, 'True');
    assert.equal(conditionOf(after, 'Stalled')?.status, 'True');
    assert.equal(conditionOf(after, 'Ready')?.status, 'False');
    assert.equal(after.status?.stableRevision?.version, '1');
    assert.equal(after.spec.model.version, bad.model.version, 'the spec is left as GitOps wrote it');
    timings.push(`${name}: ${entry?.reason} decided ${(decided / 1000).toFixed(1)}s, rollback complete ${(completed / 1000).toFixed(1)}s after apply`);
    return { summary, after, decided, completed };
  }

  test('a version that answers errors under traffic fails analysis and is rolled back', async () => {
    const rollout = {
      strategy: 'Canary' as const,
      steps: [{ setWeight: 50 }, { pause: { duration: '60s' } }],
      analysis: { interval: '3s', maxErrorRate: 0.05, minRequests: 10 },
      progressDeadlineSeconds: 120,
    };
    const bad = modelSpec('2-errors', { rollout, runtime: { readinessProbe: { periodSeconds: 1, failureThreshold: 2 }, injectErrorRate: 0.5 } });
    const { summary, after } = await rollBack('errors', bad, /^AnalysisFailed$/, { retry5xx: true });
    // The candidate's own errors are what analysis measured; the client, retrying a 5xx once on another
    // endpoint, saw none of them fail, and no request failed for any other reason.
    assertNoFailures(summary, 'error-injecting canary');
    assert.ok(summary.retried > 0, 'the canary did answer errors to the client before it was judged');
    assert.equal(after.status?.analysis?.phase, 'Failed');
    assert.ok((after.status?.analysis?.measurements ?? []).some((m) => m.phase === 'Failed' && (m.errorRate ?? 0) > 0.05));
  });

  test('a version that fails only gRPC traffic fails analysis and is rolled back', async () => {
    const rollout = {
      strategy: 'Canary' as const,
      steps: [{ setWeight: 50 }, { pause: { duration: '60s' } }],
      analysis: { interval: '3s', maxErrorRate: 0.05, minRequests: 10 },
      progressDeadlineSeconds: 120,
    };
    const bad = modelSpec('2-grpc-errors', { rollout, runtime: { readinessProbe: { periodSeconds: 1, failureThreshold: 2 }, injectErrorRate: 0.5 } });
    // Every request of this client is a gRPC ModelInfer: analysis can only judge the canary from gRPC traffic.
    const { summary, after } = await rollBack('grpc-errors', bad, /^AnalysisFailed$/, { retry5xx: true, protocol: 'grpc' });
    assertNoFailures(summary, 'gRPC error-injecting canary');
    assert.ok(summary.retried > 0, 'the canary did answer gRPC errors to the client before it was judged');
    assert.equal(after.status?.analysis?.phase, 'Failed');
    assert.ok((after.status?.analysis?.measurements ?? []).some((m) => m.phase === 'Failed' && (m.errorRate ?? 0) > 0.05));
  });

  test('a corrupt model file never gets traffic and is rolled back', async () => {
    const rollout = { strategy: 'Canary' as const, steps: [{ setWeight: 50 }, { pause: {} }], progressDeadlineSeconds: 90 };
    const bad = modelSpec('3-corrupt', { rollout });
    bad.model.uri = CORRUPT_MODEL_URI;
    const { summary } = await rollBack('corrupt', bad, /^(ModelLoadFailed|CrashLoopBackOff)$/);
    assertNoFailures(summary, 'corrupt model');
    assert.equal(summary.byVersion['3-corrupt'], undefined);
  });

  test('a model whose sha256 does not match never gets traffic and is rolled back', async () => {
    const rollout = { strategy: 'RollingUpdate' as const, progressDeadlineSeconds: 90 };
    const bad = modelSpec('4-checksum', { rollout });
    bad.model.sha256 = '0'.repeat(64);
    bad.model.uri = MODEL_URI;
    const { summary, after } = await rollBack('checksum', bad, /^ChecksumMismatch$/);
    assertNoFailures(summary, 'sha256 mismatch');
    assert.equal(summary.byVersion['4-checksum'], undefined);
    assert.match(conditionOf(after, 'Degraded')?.message ?? '', /checksum mismatch/);
  });

  test('finished and rolled-back ModelDeployments stay as they are and cost no writes', async () => {
    const since = new Date();
    const before = await md('checksum');
    await sleep(8000);
    const later = await md('checksum');
    assert.equal(later.metadata.resourceVersion, before.metadata.resourceVersion);
    assert.equal(later.status?.stableRevision?.version, '1');
    // Events aside: a series count from the rollbacks just before may still be flushed (at most every 30s).
    const writes = operatorWrites(suite.cluster, since, (w) => w.objectRef?.resource !== 'events');
    assert.deepEqual(writes.map((w) => `${w.verb} ${w.objectRef?.resource}/${w.objectRef?.name}`), [], 'the operator wrote nothing');
  });
});
