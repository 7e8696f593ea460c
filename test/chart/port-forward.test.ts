// `kubectl port-forward` and `kubectl exec` against the proving ground, with the real kubectl: kubectl speaks
// WebSockets to the API server, which tunnels port-forward's SPDY/3.1 frames to the local kubelet and translates
// exec's channels into SPDY (proving-ground/kubelet/streaming/). The model is the chart's operator serving the
// fixture regression.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { kubectlPath } from '../../proving-ground/tools.ts';
import { testappContainer } from '../../proving-ground/testapp-spec.ts';
import {
  MODEL_ROW,
  ensureNamespace,
  installChart,
  kubectl,
  modelDeployment,
  provideModel,
  toYaml,
  useCluster,
  waitFor,
  waitReady,
  type TestCluster,
} from './cluster.ts';

const NS = 'forward';

interface Forward {
  port: number;
  process: ChildProcess;
  output: () => string;
}

/** Starts `kubectl port-forward <target> :<remotePort>` and waits for the local port it picked. */
async function portForward(cluster: TestCluster, target: string, remotePort: number, env: Record<string, string> = {}): Promise<Forward> {
  const child = spawn(kubectlPath(), ['port-forward', '-n', NS, target, `:${remotePort}`, '--address=127.0.0.1'], {
    env: { ...process.env, ...env, KUBECONFIG: cluster.kubeconfigPath },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (output += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (output += text));
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`kubectl port-forward exited ${code}: ${output}`))));
  const port = await Promise.race([
    waitFor(`kubectl port-forward ${target} to listen`, async () => Number(/Forwarding from 127\.0\.0\.1:(\d+) ->/.exec(output)?.[1]) || undefined, 30_000, 100),
    exited,
  ]);
  exited.catch(() => undefined);
  return { port, process: child, output: () => output };
}

/** kubectl with extra environment and, optionally, standard input. */
async function runKubectl(cluster: TestCluster, args: string[], env: Record<string, string>, input?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(kubectlPath(), args, { env: { ...process.env, ...env, KUBECONFIG: cluster.kubeconfigPath }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  child.stdin.end(input ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(timer);
  return { code, stdout, stderr };
}

async function stop(forward: Forward): Promise<void> {
  if (forward.process.exitCode !== null) return;
  const exited = new Promise((resolve) => forward.process.once('exit', resolve));
  forward.process.kill('SIGTERM');
  await exited;
}

async function infer(port: number): Promise<{ status: number; body: { model_name?: string; outputs?: Array<{ shape: number[] }> } }> {
  const response = await fetch(`http://127.0.0.1:${port}/v2/models/iris/infer`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ inputs: [{ name: 'input', shape: [1, MODEL_ROW.length], datatype: 'FP32', data: MODEL_ROW }] }),
    signal: AbortSignal.timeout(20_000),
  });
  return { status: response.status, body: (await response.json()) as { model_name?: string; outputs?: Array<{ shape: number[] }> } };
}

describe('kubectl port-forward and exec on the proving ground', () => {
  let cluster: TestCluster;
  let modelPod = '';

  before(async () => {
    cluster = await useCluster();
    const res = await installChart(cluster);
    assert.equal(res.code, 0, `helm install failed: ${res.stderr}`);
    await ensureNamespace(cluster, NS);
    await provideModel(cluster, NS);
    // A pod whose server listens only on its own loopback: only a port-forward that dials localhost inside
    // the pod's network namespace, as a node's runtime does, reaches it.
    // It has no readiness probe: the kubelet probes the pod IP, where nothing listens.
    const { readinessProbe: _unused, ...container } = testappContainer([], { args: ['--host=127.0.0.1', '--port=8080'] });
    const loopbackOnly = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'loopback-only' }, spec: { containers: [container] } };
    const apply = await kubectl(cluster, ['apply', '-n', NS, '-f', '-'], { input: toYaml(modelDeployment('iris'), loopbackOnly) });
    assert.equal(apply.code, 0, apply.stderr);
    await waitReady(cluster, NS, 'iris');
    const pods = await kubectl(cluster, ['get', 'pods', '-n', NS, '-l', 'modelship.io/deployment=iris', '-o', 'jsonpath={.items[0].metadata.name}']);
    modelPod = pods.stdout.trim();
    assert.ok(modelPod, pods.stderr);
  });

  after(async () => {
    await cluster?.stop();
  });

  test('port-forward to the model Service answers an OIP request, and keeps doing so connection after connection', async () => {
    const forward = await portForward(cluster, 'svc/iris', 80);
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        const answer = await infer(forward.port);
        assert.equal(answer.status, 200, JSON.stringify(answer.body));
        assert.equal(answer.body.model_name, 'iris');
        assert.equal(answer.body.outputs?.[0]?.shape[0], 1);
      }
      assert.match(forward.output(), /-> 8080/);
    } finally {
      await stop(forward);
    }
  });

  test('port-forward to the model pod answers an OIP request', async () => {
    const forward = await portForward(cluster, `pod/${modelPod}`, 8080);
    try {
      const answer = await infer(forward.port);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.equal(answer.body.model_name, 'iris');
    } finally {
      await stop(forward);
    }
  });

  test('kubectl\'s older way, SPDY all the way to the kubelet (WebSockets switched off), works too', async () => {
    const forward = await portForward(cluster, `pod/${modelPod}`, 8080, { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' });
    try {
      const answer = await infer(forward.port);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
    } finally {
      await stop(forward);
    }
    const exec = await runKubectl(cluster, ['exec', '-n', NS, modelPod, '--', 'cat', '/etc/hostname'], { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false' });
    assert.equal(exec.code, 0, exec.stderr);
    assert.equal(exec.stdout.trim(), modelPod);
  });

  test('port-forward dials localhost inside the pod: a server bound to the pod\'s loopback answers', async () => {
    const answer = await waitFor('the loopback-only testapp to answer through port-forward', async () => {
      // kubectl gives up on a forward whose connection failed, so each try starts its own.
      const forward = await portForward(cluster, 'pod/loopback-only', 8080);
      try {
        const response = await fetch(`http://127.0.0.1:${forward.port}/readyz`, { signal: AbortSignal.timeout(5_000) });
        return response.status === 200 ? await response.text() : undefined;
      } catch {
        return undefined;
      } finally {
        await stop(forward);
      }
    }, 90_000, 1_000);
    assert.ok(answer.length > 0);
  });

  test('exec runs a command in the container: its root, its user, its pod network; output and exit code come back', async () => {
    const hostname = await kubectl(cluster, ['exec', '-n', NS, modelPod, '--', 'cat', '/etc/hostname']);
    assert.equal(hostname.code, 0, hostname.stderr);
    assert.equal(hostname.stdout.trim(), modelPod);
    const identity = await kubectl(cluster, ['exec', '-n', NS, modelPod, '--', 'sh', '-c', 'id -u; pwd; test -e /app/main.mjs && echo image-root']);
    assert.equal(identity.code, 0, identity.stderr);
    assert.deepEqual(identity.stdout.trim().split('\n'), ['65532', '/app', 'image-root']);
    // The runtime answers on the pod's own loopback: exec is inside the pod's network namespace.
    const local = await kubectl(cluster, ['exec', '-n', NS, modelPod, '--', 'node', '-e', "fetch('http://127.0.0.1:8080/v2/health/ready').then((r) => console.log(r.status))"]);
    assert.equal(local.code, 0, local.stderr);
    assert.equal(local.stdout.trim(), '200');
    const failing = await kubectl(cluster, ['exec', '-n', NS, modelPod, '--', 'sh', '-c', 'echo oops >&2; exit 3']);
    assert.equal(failing.code, 3);
    assert.match(failing.stderr, /oops/);
  });

  test('exec -i passes stdin through to the command and its end', async () => {
    const res = await runKubectl(cluster, ['exec', '-i', '-n', NS, modelPod, '--', 'wc', '-c'], {}, 'x'.repeat(100_000));
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout.trim(), '100000');
  });

  test('exec into a container that does not exist fails at once and says so', async () => {
    const started = Date.now();
    const res = await kubectl(cluster, ['exec', '-n', NS, modelPod, '-c', 'nope', '--', 'true'], { timeoutMs: 30_000 });
    assert.notEqual(res.code, 0);
    assert.match(res.stderr, /container nope is not (valid|running)/);
    assert.ok(Date.now() - started < 20_000, `exec took ${Date.now() - started} ms to fail`);
  });
});
