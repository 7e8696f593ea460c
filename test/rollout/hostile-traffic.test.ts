// A failing canary behind a bearer token, with a flood of unauthenticated requests at every pod of the
// Service (through its ClusterIP, a new connection per request, so kube-proxy spreads them) for the whole rollout: the 401s must not dilute the error rate analysis judges, so the canary is
// still rolled back (issue 11). Before the runtime counted rejected requests apart, thousands of cheap 401s
// brought a 30% error rate under the 10% threshold and the broken version was promoted.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { kubectl } from '../../proving-ground/test-cluster.ts';
import type { KubeClient } from '../../src/kube/client.ts';
import { adminClient } from '../operator/harness.ts';
import { apply, clusterAddress, conditionOf, INFER_BODY, isReady, modelSpec, provideModels, sleep, startOperator, SteadyTraffic, waitForMd, rolloutCluster } from './harness.ts';
import type { RunningOperator } from './harness.ts';

const NS = 'hostile';
const NAME = 'guarded';
const TOKEN = 's3cret-token';

/**
 * Clients without the token, sending valid inference requests to the Service's ClusterIP as fast as they
 * can, each on a new connection: kube-proxy picks a pod per connection, so every pod gets its share.
 */
class UnauthenticatedFlood {
  answers: Record<number, number> = {};
  private stopping = false;
  private running: Promise<unknown> | undefined;
  private readonly address: string;

  constructor(address: string) {
    this.address = address;
  }

  start(loops: number): void {
    const work: Array<Promise<unknown>> = [];
    for (let i = 0; i < loops; i++) work.push(this.sendLoop());
    this.running = Promise.all(work);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.running;
  }

  private async sendLoop(): Promise<void> {
    while (!this.stopping) {
      const status = await fetch(`http://${this.address}/v2/models/diabetes/infer`, { method: 'POST', body: INFER_BODY, headers: { 'content-type': 'application/json', connection: 'close' } })
        .then(async (res) => (await res.arrayBuffer(), res.status))
        .catch(() => 0);
      this.answers[status] = (this.answers[status] ?? 0) + 1;
    }
  }
}

describe('unauthenticated traffic at a failing canary', () => {
  let client: KubeClient;
  let op: RunningOperator;
  let flood: UnauthenticatedFlood | undefined;

  const suite = rolloutCluster(NS, async () => {
    await flood?.stop();
    await op?.stop();
  });
  before(async () => {
    client = adminClient(suite.cluster);
    await provideModels(suite.cluster, NS);
    await kubectl(suite.cluster, 'create', 'secret', 'generic', 'runtime-token', '-n', NS, `--from-literal=token=${TOKEN}`);
    op = await startOperator(suite.cluster, 'hostile');
  });

  test('still rolls back', async () => {
    const rollout = {
      strategy: 'Canary' as const,
      steps: [{ setWeight: 50 }, { pause: { duration: '60s' } }],
      analysis: { interval: '3s', maxErrorRate: 0.1, minRequests: 10 },
      progressDeadlineSeconds: 120,
    };
    const runtime = { readinessProbe: { periodSeconds: 1, failureThreshold: 2 }, authTokenSecret: 'runtime-token' };
    await apply(suite.cluster, NS, NAME, modelSpec('1', { rollout, runtime }));
    await waitForMd(client, NS, NAME, 'version 1 to be Ready', (m) => isReady(m) && m.status?.stableRevision?.version === '1', op, 180_000);
    const traffic = new SteadyTraffic(client, NS, NAME, 'diabetes', { retry5xx: true, headers: { authorization: `Bearer ${TOKEN}` } });
    await traffic.start();
    flood = new UnauthenticatedFlood(await clusterAddress(client, NS, NAME));
    flood.start(12);
    await sleep(1000);

    await apply(suite.cluster, NS, NAME, modelSpec('2-errors', { rollout, runtime: { ...runtime, injectErrorRate: 0.3 } }));
    const rolledBack = await waitForMd(client, NS, NAME, 'version 2-errors to be rolled back', (m) => {
      const last = m.status?.history?.at(-1);
      return last?.version === '2-errors' && last.outcome === 'RolledBack' && m;
    }, op, 180_000);
    await flood.stop();
    const summary = await traffic.stop();

    assert.equal(rolledBack.status?.history?.at(-1)?.reason, 'AnalysisFailed', JSON.stringify(rolledBack.status?.history?.at(-1)));
    const failed = (rolledBack.status?.analysis?.measurements ?? []).filter((m) => m.phase === 'Failed');
    assert.ok(failed.length > 0 && failed.every((m) => (m.errorRate ?? 0) > 0.1), JSON.stringify(rolledBack.status?.analysis));
    // The flood was real: many times the authenticated traffic, every answer a 401.
    const unauthorized = flood.answers[401] ?? 0;
    process.stderr.write(`[hostile traffic] flood answers ${JSON.stringify(flood.answers)}; authenticated requests ${summary.sent} (${summary.retried} retried after a 5xx)\n`);
    assert.ok(unauthorized > 5 * summary.sent, `only ${unauthorized} unauthenticated requests against ${summary.sent} authenticated ones: ${JSON.stringify(flood.answers)}`);
    assert.equal(summary.failed, 0, summary.failures.join('\n'));
    const settled = await waitForMd(client, NS, NAME, 'a settled status', (m) => m.status?.observedGeneration === m.metadata.generation && m, op);
    assert.equal(conditionOf(settled, 'Degraded')?.status, 'True');
    assert.equal(settled.status?.stableRevision?.version, '1');
  });
});
