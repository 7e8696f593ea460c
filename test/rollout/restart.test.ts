// Killing the operator (SIGKILL) at every step of a canary and starting a new one resumes the same
// rollout from where it was: the step never goes back, the split in place is kept while no operator runs,
// the analysis tally carries on, and the client sees no failed request.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeClient } from '../../src/kube/client.ts';
import type { ModelDeployment } from '../../src/api/types.ts';
import { adminClient } from '../operator/harness.ts';
import { apply, isReady, modelSpec, revisionDeployments, sleep, startOperator, SteadyTraffic, waitForMd, provideModels, rolloutCluster } from './harness.ts';
import type { RunningOperator } from './harness.ts';

const NS = 'restart';

describe('an operator killed at each canary step resumes the rollout', () => {
  let client: KubeClient;
  let op: RunningOperator | undefined;

  const suite = rolloutCluster(NS, () => op?.stop(), { fastCrashBackoff: false });
  before(async () => {
    client = adminClient(suite.cluster);
    await provideModels(suite.cluster, NS);
    op = await startOperator(suite.cluster, 'restart-0');
  });

  test('kill -9 at every step, start again, same rollout', async () => {
    const rollout = {
      strategy: 'Canary' as const,
      steps: [{ setWeight: 34 }, { pause: { duration: '8s' } }, { setWeight: 67 }, { pause: { duration: '8s' } }],
      analysis: { interval: '2s', maxErrorRate: 0.05, minRequests: 5 },
      progressDeadlineSeconds: 120,
    };
    await apply(suite.cluster, NS, 'resume', modelSpec('1', { replicas: 3, rollout }));
    await waitForMd(client, NS, 'resume', 'version 1 to be Ready', (m) => isReady(m), op, 180_000);
    const traffic = new SteadyTraffic(client, NS, 'resume', 'diabetes');
    await traffic.start();
    await apply(suite.cluster, NS, 'resume', modelSpec('2', { replicas: 3, rollout }));

    const seenSteps: number[] = [];
    let restarts = 0;
    let last: ModelDeployment | undefined;
    for (let step = 0; step < rollout.steps.length; step++) {
      // Wait until the rollout is at this step (or past it: a step can complete in the same pass).
      last = await waitForMd(client, NS, 'resume', `step ${step + 1}`, (m) => (m.status?.stableRevision?.version === '2' || (m.status?.canaryRevision?.step ?? -1) >= step) && m, op, 120_000);
      if (last.status?.stableRevision?.version === '2') break;
      const at = last.status!.canaryRevision!.step!;
      seenSteps.push(at);
      await op!.kill();
      restarts += 1;
      const deploymentsBefore = await revisionDeployments(client, NS, 'resume');
      // While no operator runs, nothing moves back: same Deployments, same sizes.
      await sleep(1500);
      const deploymentsDuring = await revisionDeployments(client, NS, 'resume');
      assert.deepEqual(
        [...deploymentsDuring].map(([h, d]) => [h, d.spec?.replicas]),
        [...deploymentsBefore].map(([h, d]) => [h, d.spec?.replicas]),
      );
      const analysedBefore = last.status?.analysis;
      op = await startOperator(suite.cluster, `restart-${restarts}`);
      const resumed = await waitForMd(client, NS, 'resume', 'the new operator to report', (m) => m.status?.observedGeneration === m.metadata.generation && m, op);
      assert.ok(
        resumed.status?.stableRevision?.version === '2' || (resumed.status?.canaryRevision?.step ?? -1) >= at,
        `the step went back from ${at} to ${resumed.status?.canaryRevision?.step} after a restart`,
      );
      assert.equal(resumed.status?.canaryRevision?.revision ?? resumed.status?.stableRevision?.revision, 2, 'the same revision, not a new rollout');
      assert.equal(resumed.status?.canaryRevision?.startTime ?? last.status?.canaryRevision?.startTime, last.status?.canaryRevision?.startTime, 'the same rollout start');
      if (analysedBefore && resumed.status?.analysis?.hash === analysedBefore.hash) {
        assert.ok(resumed.status.analysis.successful >= analysedBefore.successful, 'the analysis tally carries on');
      }
    }
    const done = await waitForMd(client, NS, 'resume', 'version 2 to be stable and Ready', (m) => isReady(m) && m.status?.stableRevision?.version === '2' && m, op, 180_000);
    await sleep(1500);
    const summary = await traffic.stop();
    assert.ok(restarts >= 3, `killed the operator at ${restarts} steps (${seenSteps.join(', ')})`);
    assert.equal(summary.failed, 0, `${summary.failed} of ${summary.sent} requests failed:\n${summary.failures.join('\n')}`);
    assert.deepEqual(done.status?.history?.map((h) => [h.version, h.outcome]), [['1', 'Promoted'], ['2', 'Promoted']], 'one rollout, promoted once');
  });
});
