// Every `kubectl modelship` command against the proving ground, run the way a user runs it: the real
// kubectl finds the plugin on the PATH. The operator is the chart's, under the chart's RBAC.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ModelDeployment } from '../../src/api/types.ts';
import {
  MODEL_ROW,
  ensureNamespace,
  provideModel,
  getMd,
  installChart,
  kubectl,
  modelDeployment,
  operatorLogs,
  forbiddenLines,
  plugin,
  kubectlWithPlugins,
  toYaml,
  useCluster,
  waitFor,
  waitReady,
  type TestCluster,
} from '../chart/cluster.ts';

const NS = 'plugin';

describe('kubectl modelship on the proving ground', () => {
  let cluster: TestCluster;
  const started = Date.now();
  const apply = async (md: Record<string, unknown>) => {
    const res = await kubectl(cluster, ['apply', '-n', NS, '-f', '-'], { input: toYaml(md) });
    assert.equal(res.code, 0, res.stderr);
  };
  const md = async (name: string) => (await getMd(cluster, NS, name)) as ModelDeployment;
  const run = (...args: string[]) => plugin(cluster, [...args, '-n', NS]);

  before(async () => {
    cluster = await useCluster();
    const res = await installChart(cluster);
    assert.equal(res.code, 0, `helm install failed: ${res.stderr}`);
    await ensureNamespace(cluster, NS);
    await provideModel(cluster, NS);
    await apply(modelDeployment('iris', { replicas: 2 }));
    await waitReady(cluster, NS, 'iris');
  });

  after(async () => {
    if (process.env.MODELSHIP_TEST_VERBOSE) console.error(operatorLogs(cluster));
    await cluster?.stop();
  });

  test('kubectl finds the plugin: kubectl plugin list and kubectl modelship --help', async () => {
    const list = await kubectlWithPlugins(cluster, ['plugin', 'list']);
    assert.match(list.stdout, /\/bin\/kubectl-modelship$/m, list.stderr);
    const help = await plugin(cluster, ['--help']);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /Commands:[\s\S]*status[\s\S]*predict/);
  });

  test('status shows a steady ModelDeployment as Ready with its stable revision', async () => {
    const res = await run('status', 'iris');
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /^Status:\s+Ready/m);
    assert.match(res.stdout, /^\s+stable\s+\d+\s+1\s+\S+\s+100%\s+2\/2$/m);
    assert.match(res.stdout, /^URL:\s+http:\/\/iris\.plugin\.svc\.cluster\.local/m);
    const json = await run('status', 'iris', '-o', 'json');
    assert.equal((JSON.parse(json.stdout) as ModelDeployment).metadata.name, 'iris');
  });

  test('status of a ModelDeployment that does not exist exits 1 and says so', async () => {
    const res = await run('status', 'nope');
    assert.equal(res.code, 1);
    assert.equal(res.stderr.trim(), 'error: modeldeployment "nope" not found in namespace "plugin"');
  });

  test('predict --direct sends V1 rows straight to a ready pod behind the Service', async () => {
    const res = await run('predict', 'iris', '--direct', '--data', JSON.stringify([MODEL_ROW, MODEL_ROW]), '-v');
    assert.equal(res.code, 0, res.stderr);
    assert.equal((JSON.parse(res.stdout) as { predictions: unknown[] }).predictions.length, 2);
    assert.match(res.stderr, /v1 request answered by pod iris-/);
  });

  test('predict --v2 shapes an OIP tensor from the model metadata; -f reads the body from a file', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'predict-'));
    const file = path.join(dir, 'rows.json');
    await writeFile(file, JSON.stringify([MODEL_ROW]));
    const res = await run('predict', 'iris', '-f', file, '--v2');
    assert.equal(res.code, 0, res.stderr);
    const answer = JSON.parse(res.stdout) as { model_name: string; outputs: Array<{ shape: number[] }> };
    assert.equal(answer.model_name, 'iris');
    assert.equal(answer.outputs[0]!.shape[0], 1);
  });

  test('predict goes through the API server\'s service proxy by default', async () => {
    const body = { inputs: [{ name: 'input', shape: [1, MODEL_ROW.length], datatype: 'FP32', data: MODEL_ROW }] };
    for (const args of [[], ['--via-proxy']]) {
      const res = await run('predict', 'iris', ...args, '--data', JSON.stringify(body), '-v');
      assert.equal(res.code, 0, res.stderr);
      assert.ok((JSON.parse(res.stdout) as { outputs: unknown[] }).outputs.length > 0);
      assert.match(res.stderr, /answered by the API server's proxy to service iris/);
    }
  });

  test('predict with a bad body exits non-zero with the model\'s or the parser\'s reason', async () => {
    const bad = await run('predict', 'iris', '--data', '{"inputs": [');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^error: --data is not valid JSON/);
    const wrong = await run('predict', 'iris', '--direct', '--data', JSON.stringify([[1, 2, 3]]));
    assert.equal(wrong.code, 4);
    assert.match(wrong.stderr, /^error: pod iris-\S+ \(\d+\.\d+\.\d+\.\d+:\d+\) answered HTTP 4\d\d: /);
  });

  test('predict with no ready endpoints exits 3', async () => {
    await apply(modelDeployment('idle', { replicas: 0 }));
    await waitFor('idle to be observed', async () => (await md('idle'))?.status?.observedGeneration === 1);
    const res = await run('predict', 'idle', '--direct', '--data', JSON.stringify([MODEL_ROW]));
    assert.equal(res.code, 3, res.stderr);
    assert.match(res.stderr, /has no ready endpoints/);
  });

  test('pause and resume set and remove modelship.io/paused; both are idempotent', async () => {
    const pause = await run('pause', 'iris');
    assert.equal(pause.code, 0, pause.stderr);
    assert.equal((await md('iris')).metadata.annotations?.['modelship.io/paused'], 'true');
    assert.match((await run('pause', 'iris')).stdout, /already paused/);
    const resume = await run('resume', 'iris');
    assert.equal(resume.code, 0, resume.stderr);
    assert.equal((await md('iris')).metadata.annotations?.['modelship.io/paused'], undefined);
    assert.match((await run('resume', 'iris')).stdout, /is not paused/);
  });

  test('history lists each promoted version and what serves now', async () => {
    await apply(modelDeployment('hist'));
    await waitReady(cluster, NS, 'hist');
    await apply(modelDeployment('hist', {}, { version: '2' }));
    await waitFor('hist to serve version 2', async () => (await md('hist'))?.status?.stableRevision?.version === '2');
    const res = await run('history', 'hist');
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /^REVISION\s+VERSION\s+OUTCOME\s+REASON\s+AGE\s+URI$/m);
    assert.match(res.stdout, /^\d+\s+2\s+Serving\s+Stable\s+-\s+pvc:\/\/models\/linear_regression\.onnx$/m);
    const json = await run('history', 'hist', '-o', 'json');
    assert.ok((JSON.parse(json.stdout) as Array<{ version: string }>).some((h) => h.version === '1'), json.stdout);
  });

  test('promote and abort refuse when no rollout is in progress', async () => {
    for (const cmd of ['promote', 'abort']) {
      const res = await run(cmd, 'iris');
      assert.equal(res.code, 1);
      assert.match(res.stderr, new RegExp(`no rollout in progress to ${cmd}`));
    }
  });

  describe('during a canary that waits for promotion', () => {
    const canary = (version: string) =>
      modelDeployment('fraud', { replicas: 2, rollout: { strategy: 'Canary', steps: [{ setWeight: 50 }, { pause: {} }] } }, { version });
    const waitCanary = (version: string, timeoutMs = 180_000) =>
      waitFor(`fraud's canary version ${version} to wait at its pause step`, async () => {
        const m = await md('fraud');
        const c = m?.status?.canaryRevision;
        return c?.version === version && c.step === 1 && c.weight === 50 ? m : undefined;
      }, timeoutMs);
    const waitStable = (version: string) =>
      waitFor(`fraud to serve version ${version} as stable`, async () => {
        const m = await md('fraud');
        return m?.status?.stableRevision?.version === version && !m.status.canaryRevision ? m : undefined;
      }, 180_000);

    before(async () => {
      await apply(canary('1'));
      await waitReady(cluster, NS, 'fraud');
    });

    test('the operator holds a canary at a pause: {} step', async () => {
      await apply(canary('2'));
      await waitCanary('2', 90_000);
    });

    test('status shows both revisions, the weight and the step', async () => {
      const res = await run('status', 'fraud');
      assert.equal(res.code, 0, res.stderr);
      assert.match(res.stdout, /^\s+stable\s+\d+\s+1\s+\S+\s+50%/m);
      assert.match(res.stdout, /^\s+canary\s+\d+\s+2\s+\S+\s+50%/m);
      assert.match(res.stdout, /^\s+>\s+1\s+pause until promoted/m);
    });

    test('promote --full moves the canary to stable', async () => {
      const res = await run('promote', 'fraud', '--full');
      assert.equal(res.code, 0, res.stderr);
      const m = await waitStable('2');
      assert.equal(m.metadata.annotations?.['modelship.io/promote'], undefined, 'the operator removes the one-shot annotation');
    });

    test('abort sends the traffic back to stable and the ModelDeployment reports the aborted version', async () => {
      await apply(canary('3'));
      await waitCanary('3');
      const res = await run('abort', 'fraud');
      assert.equal(res.code, 0, res.stderr);
      const m = await waitFor('the abort to take effect', async () => {
        const x = await md('fraud');
        return x?.status?.history?.some((h) => h.version === '3' && h.outcome === 'Aborted') ? x : undefined;
      });
      assert.equal(m.status?.stableRevision?.version, '2');
      assert.equal(m.status?.canaryRevision, undefined);
    });

    test('history lists promoted and aborted revisions', async () => {
      const res = await run('history', 'fraud');
      assert.equal(res.code, 0, res.stderr);
      assert.match(res.stdout, /^\d+\s+3\s+Aborted\s/m);
      assert.match(res.stdout, /^\d+\s+2\s+Serving\s+Stable/m);
    });

    test('retry rolls the aborted version out again', async () => {
      const res = await run('retry', 'fraud');
      assert.equal(res.code, 0, res.stderr);
      await waitCanary('3');
      assert.equal((await run('promote', 'fraud', '--full')).code, 0);
      await waitStable('3');
    });

    test('undo rolls back to the previous promoted revision; --to-revision picks one by version', async () => {
      const res = await run('undo', 'fraud');
      assert.equal(res.code, 0, res.stderr);
      assert.match(res.stdout, /rolling back to revision \d+ \(version 2/);
      await waitStable('2');
      const to = await run('undo', 'fraud', '--to-revision', '1');
      assert.equal(to.code, 0, to.stderr);
      await waitStable('1');
    });

    test('undo to a revision that never existed exits 1 and lists the history', async () => {
      const res = await run('undo', 'fraud', '--to-revision', '99');
      assert.equal(res.code, 1);
      assert.match(res.stderr, /has no revision or version "99" in its history; revisions in history: /);
    });
  });

  test('the chart\'s RBAC was enough for every rollout above: the operator logged no refusal', () => {
    assert.deepEqual(forbiddenLines(operatorLogs(cluster), started), []);
  });
});
