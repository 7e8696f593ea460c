// Blue-green and manual control on the proving ground, with real runtime pods and a steady client: a
// blue-green preview serves only behind <name>-preview until promoted, then the main Service switches;
// a failing preview is rolled back; promote, pause, resume, abort, retry and undo all go through the
// ModelDeployment's annotations, as kubectl and the CLI plugin write them.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { kubectl } from '../../proving-ground/test-cluster.ts';
import type { KubeClient } from '../../src/kube/client.ts';
import { adminClient } from '../operator/harness.ts';
import { annotate, apply, conditionOf, isReady, modelSpec, revisionDeployments, selectorSwitchedAt, sleep, startOperator, SteadyTraffic, waitForMd, provideModels, rolloutCluster } from './harness.ts';
import type { RunningOperator, TrafficSummary } from './harness.ts';

const NS = 'control';
const MODEL = 'diabetes';
/** kube-proxy's iptables mode rewrites its rules at most once a second (--iptables-min-sync-period), and a sync takes a moment. */
const KUBE_PROXY_SYNC_MS = 2000;

describe('blue-green and manual control with real runtime pods', () => {
  let client: KubeClient;
  let op: RunningOperator;

  const suite = rolloutCluster(NS, () => op?.stop());
  before(async () => {
    client = adminClient(suite.cluster);
    await provideModels(suite.cluster, NS);
    op = await startOperator(suite.cluster, 'control');
  });

  const waitFor = <T>(name: string, what: string, accept: Parameters<typeof waitForMd<T>>[4], timeoutMs = 120_000) =>
    waitForMd(client, NS, name, what, accept, op, timeoutMs);

  function assertNoFailures(summary: TrafficSummary, what: string): void {
    assert.equal(summary.failed, 0, `${what}: ${summary.failed} of ${summary.sent} requests failed:\n${summary.failures.join('\n')}`);
    assert.ok(summary.ok > 50, `${what}: only ${summary.ok} requests answered`);
  }

  test('blue-green: the preview gets no main traffic until promoted, then the switch is instant and the old revision goes after the delay', async () => {
    const rollout = { strategy: 'BlueGreen' as const, blueGreen: { scaleDownDelaySeconds: 8 }, progressDeadlineSeconds: 120 };
    await apply(suite.cluster, NS, 'bg', modelSpec('1', { rollout }));
    await waitFor('bg', 'version 1 to be Ready', (m) => isReady(m) && m.status?.stableRevision?.version === '1', 180_000);
    const main = new SteadyTraffic(client, NS, 'bg', MODEL);
    await main.start();

    await apply(suite.cluster, NS, 'bg', modelSpec('2', { rollout }));
    const waiting = await waitFor('bg', 'the preview to wait for promotion', (m) => conditionOf(m, 'Progressing')?.reason === 'AwaitingPromotion' && m);
    assert.equal(waiting.status?.canaryRevision?.readyReplicas, 2, 'the preview runs at full size');
    const preview = new SteadyTraffic(client, NS, 'bg-preview', MODEL);
    await preview.start();
    await sleep(3000);
    const before = main.snapshot();
    assert.equal(before.byVersion['2'], undefined, `the main Service never reached the preview: ${JSON.stringify(before.byVersion)}`);
    assert.deepEqual(Object.keys((await preview.stop()).byVersion), ['2'], 'the preview Service reaches only the preview');

    const candidate = waiting.status?.canaryRevision?.hash ?? assert.fail('the preview has no revision');
    const switched = selectorSwitchedAt(client, NS, 'bg', candidate);
    const promotedAt = Date.now();
    await annotate(suite.cluster, NS, 'bg', 'modelship.io/promote=full');
    const promoted = await waitFor('bg', 'version 2 to be stable', (m) => m.status?.stableRevision?.version === '2' && m);
    assert.equal(promoted.status?.retiringRevision?.version, '1', 'the old revision is kept for scaleDownDelaySeconds');
    const switchAt = await switched;
    assert.ok(switchAt - promotedAt < 10_000, `the main Service switched ${switchAt - promotedAt} ms after the promotion`);
    // One switch, not a shift: once kube-proxy has rewritten its rules (at most one sync later), every
    // new connection (the client sends each request on its own) reaches version 2.
    await sleep(Math.max(0, switchAt + KUBE_PROXY_SYNC_MS + 2000 - Date.now()));
    const afterSwitch = main.versionsSince(switchAt + KUBE_PROXY_SYNC_MS);
    assert.deepEqual(Object.keys(afterSwitch), ['2'], `after the switch only version 2 answers: ${JSON.stringify(afterSwitch)}`);
    await waitFor('bg', 'the old revision to be scaled down', (m) => m.status?.retiringRevision === undefined && isReady(m) && m, 60_000);
    const deps = await revisionDeployments(client, NS, 'bg');
    assert.deepEqual([...deps.values()].map((d) => d.spec?.replicas).sort(), [0, 2]);
    assertNoFailures(await main.stop(), 'blue-green promotion');
  });

  test('blue-green: a preview that cannot start is rolled back, and the main Service never changes', async () => {
    const rollout = { strategy: 'BlueGreen' as const, blueGreen: { scaleDownDelaySeconds: 8 }, progressDeadlineSeconds: 120 };
    const main = new SteadyTraffic(client, NS, 'bg', MODEL);
    await main.start();
    const bad = modelSpec('3-checksum', { rollout });
    bad.model.sha256 = 'f'.repeat(64);
    await apply(suite.cluster, NS, 'bg', bad);
    const rolledBack = await waitFor('bg', 'version 3 to be rolled back', (m) => m.status?.history?.at(-1)?.outcome === 'RolledBack' && m);
    assert.equal(rolledBack.status?.history?.at(-1)?.reason, 'ChecksumMismatch');
    assert.equal(rolledBack.status?.stableRevision?.version, '2');
    await sleep(1500);
    const summary = await main.stop();
    assertNoFailures(summary, 'blue-green rollback');
    assert.deepEqual(Object.keys(summary.byVersion), ['2']);
  });

  test('manual control: pause holds a step, resume continues, promote steps, abort rolls back, retry starts again, promote full completes', async () => {
    const rollout = {
      strategy: 'Canary' as const,
      steps: [{ setWeight: 50 }, { pause: { duration: '3s' } }, { setWeight: 75 }, { pause: {} }],
      progressDeadlineSeconds: 120,
    };
    await apply(suite.cluster, NS, 'manual', modelSpec('1', { rollout }));
    await waitFor('manual', 'version 1 to be Ready', (m) => isReady(m), 180_000);
    const traffic = new SteadyTraffic(client, NS, 'manual', MODEL);
    await traffic.start();

    // Paused before the rollout: it starts and holds at its first step.
    await annotate(suite.cluster, NS, 'manual', 'modelship.io/paused=true');
    await apply(suite.cluster, NS, 'manual', modelSpec('2', { rollout }));
    const held = await waitFor('manual', 'the first step to hold', (m) => m.status?.canaryRevision?.readyReplicas === 1 && conditionOf(m, 'Progressing')?.reason === 'PausedByAnnotation' && m);
    assert.equal(held.status?.canaryRevision?.step, 0);
    await sleep(5000); // longer than the 3s pause that follows: nothing moves while paused
    assert.equal((await waitFor('manual', 'status', (m) => m)).status?.canaryRevision?.step, 0);

    await kubectl(suite.cluster, 'annotate', '-n', NS, 'modeldeployment/manual', 'modelship.io/paused-');
    await waitFor('manual', 'the indefinite pause at 75%', (m) => m.status?.canaryRevision?.step === 3 && conditionOf(m, 'Progressing')?.reason === 'CanaryPaused');

    await annotate(suite.cluster, NS, 'manual', 'modelship.io/abort=now');
    // The status records the abort first; the one-shot annotation is removed right after.
    const aborted = await waitFor('manual', 'the abort, and its annotation removed', (m) => m.status?.history?.at(-1)?.outcome === 'Aborted' && m.metadata.annotations?.['modelship.io/abort'] === undefined && m);
    assert.equal(aborted.status?.canaryRevision, undefined);
    await waitFor('manual', 'stable back at full size', (m) => m.status?.stableRevision?.readyReplicas === 2 && m.status.stableRevision.replicas === 2);

    await annotate(suite.cluster, NS, 'manual', 'modelship.io/retry=again');
    await waitFor('manual', 'the retried canary at its first step', (m) => m.status?.canaryRevision?.version === '2' && (m.status.canaryRevision.step ?? 0) >= 1);
    const stepBefore = (await waitFor('manual', 'status', (m) => m)).status?.canaryRevision?.step ?? 0;
    await annotate(suite.cluster, NS, 'manual', 'modelship.io/promote=step');
    await waitFor('manual', 'promote=step to complete one step', (m) => (m.status?.canaryRevision?.step ?? 0) > stepBefore && m.metadata.annotations?.['modelship.io/promote'] === undefined);
    await annotate(suite.cluster, NS, 'manual', 'modelship.io/promote=full');
    const done = await waitFor('manual', 'version 2 to be stable and Ready', (m) => isReady(m) && m.status?.stableRevision?.version === '2' && m, 180_000);
    assert.deepEqual(done.status?.history?.map((h) => [h.version, h.outcome]), [['1', 'Promoted'], ['2', 'Aborted'], ['2', 'Promoted']]);
    assert.equal(done.status?.history?.at(-1)?.revision, 2, 'the retried revision kept its number');

    // Undo by revision number: version 1 comes back, and the spec's version 2 is held until retried.
    await annotate(suite.cluster, NS, 'manual', 'modelship.io/undo=1');
    const undone = await waitFor('manual', 'version 1 to serve again', (m) => m.status?.stableRevision?.version === '1' && m.status.canaryRevision === undefined && m);
    assert.equal(conditionOf(undone, 'Degraded')?.reason, 'UndoRequested');
    await waitFor('manual', 'version 1 at full size', (m) => m.status?.stableRevision?.readyReplicas === 2);
    await sleep(3000);
    const since = Date.now();
    await sleep(2000);
    assert.deepEqual(Object.keys(traffic.versionsSince(since)), ['1']);
    await annotate(suite.cluster, NS, 'manual', 'modelship.io/retry=once-more');
    await waitFor('manual', 'the retry to start', (m) => m.status?.canaryRevision?.version === '2');
    assertNoFailures(await traffic.stop(), 'manual control');
  });
});
