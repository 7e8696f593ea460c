// Model-aware analysis on the proving ground, with real runtime pods serving iris models and a client
// sending varied iris rows the whole time: a candidate fitted to shuffled labels answers every request
// quickly with 200 (so error rate and latency alone would promote it) and is rolled back for
// PredictionShift; a candidate refitted on the same data from another seed is held at 50% as an A/B test,
// shows both versions' figures side by side, and is promoted.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createModelClaim } from '../../proving-ground/test-cluster.ts';
import { FIXTURES } from '../../runtime/fixtures/paths.ts';
import type { KubeClient } from '../../src/kube/client.ts';
import type { KubeList } from '../../src/kube/object.ts';
import type { ModelDeployment, ModelDeploymentSpec } from '../../src/api/types.ts';
import { adminClient } from '../operator/harness.ts';
import { pollUntil } from '../../proving-ground/lib/wait.ts';
import { annotate, apply, isReady, sleep, startOperator, SteadyTraffic, waitForMd, rolloutCluster } from './harness.ts';
import type { RunningOperator, TrafficSummary } from './harness.ts';

const NS = 'predictions';
const MODEL = 'iris';
const MAX_ERROR_RATE = 0.05;
const MAX_P99_MS = 2000;
const THRESHOLD = 0.25;

/** Four rows of each iris species; each request sends one at random. */
const ROWS = [
  [5.1, 3.5, 1.4, 0.2], [4.9, 3.0, 1.4, 0.2], [4.7, 3.2, 1.3, 0.2], [5.0, 3.6, 1.4, 0.2],
  [7.0, 3.2, 4.7, 1.4], [6.4, 3.2, 4.5, 1.5], [6.9, 3.1, 4.9, 1.5], [5.5, 2.3, 4.0, 1.3],
  [6.3, 3.3, 6.0, 2.5], [5.8, 2.7, 5.1, 1.9], [7.1, 3.0, 5.9, 2.1], [6.3, 2.9, 5.6, 1.8],
];
const irisRow = (): string =>
  JSON.stringify({ inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: ROWS[Math.floor(Math.random() * ROWS.length)] }] });

function spec(version: string, file: string, steps: NonNullable<ModelDeploymentSpec['rollout']>['steps']): ModelDeploymentSpec {
  return {
    model: { name: MODEL, version, uri: `pvc://models/${file}` },
    replicas: 2,
    runtime: { readinessProbe: { periodSeconds: 1, failureThreshold: 2 } },
    rollout: {
      strategy: 'Canary',
      steps,
      progressDeadlineSeconds: 180,
      analysis: {
        interval: '4s',
        minRequests: 20,
        maxErrorRate: MAX_ERROR_RATE,
        maxP99LatencyMs: MAX_P99_MS,
        prediction: { output: 'probabilities', threshold: THRESHOLD, minSamples: 60 },
      },
    },
  };
}

describe('model-aware analysis with real runtime pods and steady traffic', () => {
  let client: KubeClient;
  let op: RunningOperator;

  const suite = rolloutCluster(NS, () => op?.stop());
  before(async () => {
    client = adminClient(suite.cluster);
    await createModelClaim(suite.cluster, NS, 'models', {
      'iris.onnx': FIXTURES.logisticRegression,
      'iris-shuffled.onnx': FIXTURES.logisticRegressionShuffled,
      'iris-reseeded.onnx': FIXTURES.logisticRegressionReseeded,
    });
    op = await startOperator(suite.cluster, 'predictions');
  });

  const waitFor = <T>(name: string, what: string, accept: (m: ModelDeployment) => T | undefined | false, timeoutMs = 180_000) =>
    waitForMd(client, NS, name, what, accept, op, timeoutMs);

  async function serving(name: string, first: ModelDeploymentSpec): Promise<SteadyTraffic> {
    await apply(suite.cluster, NS, name, first);
    await waitFor(name, 'version 1 to be Ready', (m) => isReady(m) && m.status?.stableRevision?.version === '1');
    const traffic = new SteadyTraffic(client, NS, name, MODEL, { body: irisRow });
    await traffic.start();
    await sleep(1000);
    return traffic;
  }

  function assertNoFailures(summary: TrafficSummary, what: string): void {
    assert.equal(summary.failed, 0, `${what}: ${summary.failed} of ${summary.sent} requests failed:\n${summary.failures.join('\n')}`);
    assert.ok(summary.ok > 50, `${what}: only ${summary.ok} requests answered`);
  }

  test('a candidate fitted to shuffled labels answers every request, yet is rolled back for PredictionShift', async () => {
    const steps = [{ setWeight: 50 }, { pause: { duration: '30s' } }];
    const traffic = await serving('shuffled', spec('1', 'iris.onnx', steps));
    await apply(suite.cluster, NS, 'shuffled', spec('2', 'iris-shuffled.onnx', steps));
    const done = await waitFor('shuffled', 'version 2 to be rolled back', (m) => m.status?.history?.at(-1)?.version === '2' && m);
    const entry = done.status!.history!.at(-1)!;
    assert.deepEqual([entry.outcome, entry.reason], ['RolledBack', 'PredictionShift']);
    assert.match(entry.message ?? '', /^prediction shift: PSI [0-9.]+ of output probabilities above threshold 0\.25/);

    // Error rate and latency alone would have passed: the candidate's only failure is what it predicted.
    const measurements = done.status?.analysis?.measurements ?? [];
    const failed = measurements.at(-1)!;
    process.stderr.write(`[prediction] shuffled-label candidate, deciding measurement: ${JSON.stringify(failed)}\n`);
    assert.equal(failed.phase, 'Failed');
    assert.ok(failed.requests >= 20, `judged on ${failed.requests} requests`);
    assert.equal(failed.errorRate, 0);
    assert.ok((failed.p99LatencyMs ?? Infinity) <= MAX_P99_MS, `p99 ${failed.p99LatencyMs}ms`);
    assert.ok((failed.prediction?.value ?? 0) > THRESHOLD, JSON.stringify(failed.prediction));
    assert.ok((failed.prediction?.stable?.samples ?? 0) >= 60 && failed.prediction!.candidate.samples >= 60, JSON.stringify(failed.prediction));
    assert.doesNotMatch(failed.message ?? '', /error rate|p99/);

    // The Event is recorded beside the status write, not before it.
    const note = await pollUntil(
      async () => {
        const events = await client.get<KubeList<{ reason?: string; note?: string; regarding?: { name?: string } }>>(`/apis/events.k8s.io/v1/namespaces/${NS}/events`);
        return events.items.find((e) => e.regarding?.name === 'shuffled' && e.reason === 'RolledBack')?.note;
      },
      { description: 'the RolledBack Event', timeoutMs: 30_000, intervalMs: 200 },
    );
    assert.match(note, /rolled back \(PredictionShift\): prediction shift: PSI [0-9.]+/);
    const status = await pluginText('status', 'shuffled');
    assert.match(status, /^\s+Degraded\s+True\s+PredictionShift\s/m);
    assert.match(status, /RolledBack\s+version 2 \(revision 2\) rolled back \(PredictionShift\): prediction shift: PSI [0-9.]+/);
    assert.match(status, /^\s+\S+\s+Failed\s+\d+\s+0\.00%\s+\S+ms\s+\S+\s+[0-9.]+\s+prediction shift: PSI/m);

    await sleep(1500);
    assertNoFailures(await traffic.stop(), 'shuffled-label candidate');
  });

  test('a candidate refitted from another seed, held at 50% as an A/B test, shows both sides and is promoted', async () => {
    const steps = [{ setWeight: 50 }, { pause: {} }];
    const traffic = await serving('reseeded', spec('1', 'iris.onnx', steps));
    await apply(suite.cluster, NS, 'reseeded', spec('2', 'iris-reseeded.onnx', steps));
    const held = await waitFor('reseeded', 'two successful measurements with both versions\' figures while held at 50%', (m) => {
      const ms = (m.status?.analysis?.measurements ?? []).filter((x) => x.phase === 'Successful' && x.prediction?.value !== undefined && x.stableRequests !== undefined);
      return m.status?.canaryRevision?.weight === 50 && ms.length >= 2 && m;
    });
    for (const m of held.status!.analysis!.measurements!) assert.notEqual(m.phase, 'Failed', JSON.stringify(m));
    const last = held.status!.analysis!.measurements!.at(-1)!;
    process.stderr.write(`[prediction] reseeded candidate held at 50%, latest measurement: ${JSON.stringify(last)}\n`);
    assert.ok(last.prediction!.value! <= THRESHOLD, JSON.stringify(last.prediction));
    assert.ok(last.requests > 0 && (last.stableRequests ?? 0) > 0, JSON.stringify(last));
    const totals = held.status!.analysis!.totals!;
    assert.ok(totals.requests >= last.requests && totals.stableRequests >= last.stableRequests! && totals.errors === 0, JSON.stringify(totals));

    const compare = await pluginText('compare', 'reseeded');
    process.stderr.write(`[prediction] kubectl modelship compare reseeded:\n${compare}`);
    assert.match(compare, /^\s+stable v1\s+candidate v2 \(50%\)$/m);
    assert.match(compare, /^\s+requests\s+\d+\s+\d+$/m);
    assert.match(compare, /^\s+p99 latency\s+\S+ms\s+\S+ms$/m);
    assert.match(compare, /^\s+probabilities p50\s+\S+\s+\S+$/m);
    assert.match(compare, /prediction shift \(PSI, output probabilities\): [0-9.]+ \(threshold 0\.25\)$/m);
    assert.match(compare, /since analysis began: stable \d+ requests \(0\.00% errors\), candidate \d+ requests \(0\.00% errors\)$/m);

    await annotate(suite.cluster, NS, 'reseeded', 'modelship.io/promote=full');
    const done = await waitFor('reseeded', 'version 2 to be stable and Ready', (m) => isReady(m) && m.status?.stableRevision?.version === '2' && m);
    assert.deepEqual(done.status?.history?.map((h) => [h.version, h.outcome]), [['1', 'Promoted'], ['2', 'Promoted']]);
    await sleep(1500);
    assertNoFailures(await traffic.stop(), 'reseeded candidate');
  });

  /** `kubectl modelship <command> <name>`: the plugin's own entry point, against this cluster. */
  async function pluginText(command: string, name: string): Promise<string> {
    const { stdout } = await promisify(execFile)(process.execPath, ['src/cli/main.ts', command, name, '-n', NS, '--kubeconfig', suite.cluster.kubeconfigPath], { timeout: 30_000 });
    return stdout;
  }
});
