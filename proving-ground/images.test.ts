// Containers run from images (issue 9): the runtime image as shipped under the operator's own pod spec
// (Pod Security `restricted`, runAsNonRoot, read-only root), upstream's runAsNonRoot refusal of a named
// USER, Kubernetes' command/args rules against ENTRYPOINT/CMD, ErrImagePull for an image not in the store,
// and `kubectl logs` through the kubelet API.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { buildDeployment } from '../src/builders/deployment.ts';
import { desiredRevision } from '../src/builders/revision.ts';
import { sampleModelDeployment } from '../test/support/sample.ts';
import { packageVersion } from '../src/version.ts';
import { FIXTURES } from '../runtime/fixtures/paths.ts';
import { ensureDerivedTestImages, NAMED_USER, TESTAPP_IMAGE_CMD, TESTAPP_NAMED_USER_IMAGE, TESTAPP_WITH_CMD_IMAGE } from './images/testapp-image.ts';
import { clusterForSuite, createModelClaim, createNamespace, isPodReady, kubectl, waitForPods } from './test-cluster.ts';
import { podUrl, testappContainer } from './testapp-spec.ts';

const suite = clusterForSuite({ crashBackoff: { initialMs: 1000, maxMs: 2000 } });
before(() => ensureDerivedTestImages());

function core(): CoreV1Api {
  return suite.cluster.kubeConfig.makeApiClient(CoreV1Api);
}

async function getJson<T>(url: string, init?: RequestInit): Promise<T> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  assert.equal(response.status, 200, `${url} answered ${response.status}`);
  return (await response.json()) as T;
}

async function runPod(namespace: string, name: string, containers: V1Container[], extra: Partial<V1Pod['spec']> = {}): Promise<V1Pod> {
  await core().createNamespacedPod({ namespace, body: { metadata: { name }, spec: { containers, ...extra } } });
  const pods = await waitForPods(suite.cluster, namespace, (pods) => pods.some((pod) => pod.metadata?.name === name && isPodReady(pod)), {
    description: `pod ${name} to be Ready`,
  });
  return pods.find((pod) => pod.metadata?.name === name)!;
}

function waiting(pod: V1Pod | undefined): { reason?: string; message?: string } {
  return pod?.status?.containerStatuses?.[0]?.state?.waiting ?? {};
}

test('the runtime image as shipped serves a model under the operator pod spec, in a restricted namespace', async () => {
  const namespace = await createNamespace(suite.cluster, 'model');
  // A user copies the model into the claim; the fetch init container reads it at /mnt/pvc/models.
  await createModelClaim(suite.cluster, namespace, 'models', { 'linear.onnx': FIXTURES.linearRegression });
  const md = sampleModelDeployment('linear', namespace, { replicas: 1, model: { version: '1', uri: 'pvc://models/linear.onnx' } });
  const revision = desiredRevision(md, `ghcr.io/modelship/runtime:${packageVersion()}`);
  const deployment = buildDeployment(md, { revision, number: 1, replicas: 1 });
  // The owner reference names a ModelDeployment that does not exist here; the pods do not need it.
  delete deployment.metadata!.ownerReferences;
  await suite.cluster.kubeConfig.makeApiClient(AppsV1Api).createNamespacedDeployment({ namespace, body: deployment });
  const [pod] = await waitForPods(suite.cluster, namespace, (pods) => pods.length === 1 && isPodReady(pods[0]!), {
    description: 'the model pod to be Ready',
    timeoutMs: 180_000,
  });
  const container = pod!.spec!.containers[0]!;
  assert.equal(container.securityContext?.readOnlyRootFilesystem, true);
  assert.equal(container.securityContext?.runAsUser, undefined, 'the image USER is what makes runAsNonRoot pass');
  assert.equal(container.command, undefined, 'the image ENTRYPOINT runs, with the operator args');
  const metadata = await getJson<{ name: string }>(`http://${pod!.status!.podIP}:8080/v2/models/linear`);
  assert.equal(metadata.name, 'linear');
  // kubectl logs reaches the model pod's log through the API server and the kubelet API.
  const log = await kubectl(suite.cluster, 'logs', '-n', namespace, pod!.metadata!.name!, '-c', 'runtime');
  assert.ok(log.length > 0, 'the runtime logged something');
  const fetchLog = await kubectl(suite.cluster, 'logs', '-n', namespace, pod!.metadata!.name!, '-c', 'fetch-model');
  assert.match(fetchLog, /linear\.onnx|model/i);
});

test('runAsNonRoot refuses an image whose USER is a name, with the upstream kubelet message', async () => {
  const namespace = await createNamespace(suite.cluster, 'named-user');
  await core().createNamespacedPod({
    namespace,
    body: { metadata: { name: 'named' }, spec: { containers: [testappContainer([], { image: TESTAPP_NAMED_USER_IMAGE })] } },
  });
  const [pod] = await waitForPods(suite.cluster, namespace, (pods) => waiting(pods[0]).reason === 'CreateContainerConfigError', {
    description: 'pod named to wait with CreateContainerConfigError',
  });
  const uid = pod!.metadata!.uid!;
  assert.equal(
    waiting(pod).message,
    `container has runAsNonRoot and image has non-numeric user (${NAMED_USER}), cannot verify user is non-root (pod: "named_${namespace}(${uid})", container: app)`,
  );

  // With a numeric runAsUser the kubelet can verify it, and the same image runs as that user.
  const numeric = await runPod(namespace, 'numeric', [
    testappContainer([], { image: TESTAPP_NAMED_USER_IMAGE, securityContext: { ...testappContainer().securityContext, runAsUser: 4242, runAsGroup: 4343 } }),
  ]);
  const env = await getJson<{ uid: number; gid: number }>(podUrl(numeric, '/env'));
  assert.deepEqual([env.uid, env.gid], [4242, 4343]);
});

test('command and args combine with the image ENTRYPOINT and CMD by Kubernetes rules', async () => {
  const namespace = await createNamespace(suite.cluster, 'argv');
  const base = testappContainer([], { image: TESTAPP_WITH_CMD_IMAGE });
  const env = [...(base.env ?? []), { name: 'GREETING', value: 'from-pod' }, { name: 'NODE_ENV', value: 'overridden' }];
  // Neither: ENTRYPOINT and CMD as the image says (testapp listens on $POD_IP by default).
  const neither = await runPod(namespace, 'neither', [{ ...base, args: undefined, env }]);
  // args alone replace CMD.
  const argsOnly = await runPod(namespace, 'args-only', [{ ...base, args: ['--host=$(POD_IP)', '--port=8080', 'greeting=$(GREETING)'], env }]);
  // command replaces ENTRYPOINT and drops CMD.
  const commandOnly = await runPod(namespace, 'command-only', [
    { ...base, command: ['node', '/app/main.mjs', '--host=$(POD_IP)', '--port=8080', 'from-command'], args: undefined, env },
  ]);
  const report = (pod: V1Pod) => getJson<{ argv: string[]; env: Record<string, string>; cwd: string; uid: number }>(podUrl(pod, '/env'));

  const first = await report(neither);
  assert.deepEqual(first.argv, TESTAPP_IMAGE_CMD);
  assert.equal(first.env.NODE_ENV, 'overridden', 'the pod env wins over the image env');
  assert.equal(first.env.HOME, '/tmp', 'the image env is there');
  assert.equal(first.cwd, '/app', 'WORKDIR');
  assert.equal(first.uid, 65532, 'the image USER');

  assert.deepEqual((await report(argsOnly)).argv, [`--host=${argsOnly.status!.podIP}`, '--port=8080', 'greeting=from-pod']);
  assert.deepEqual((await report(commandOnly)).argv, [`--host=${commandOnly.status!.podIP}`, '--port=8080', 'from-command']);
});

test('an image that is not in the store reports ErrImagePull, then ImagePullBackOff', async () => {
  const namespace = await createNamespace(suite.cluster, 'pull');
  const image = 'ghcr.io/modelship/never-built:0.0.0';
  await core().createNamespacedPod({
    namespace,
    body: { metadata: { name: 'missing' }, spec: { containers: [testappContainer([], { image })] } },
  });
  const seen = new Set<string>();
  const [pod] = await waitForPods(
    suite.cluster,
    namespace,
    (pods) => {
      const reason = waiting(pods[0]).reason;
      if (reason) seen.add(reason);
      return seen.has('ErrImagePull') && reason === 'ImagePullBackOff';
    },
    { description: 'pod missing to show ErrImagePull, then ImagePullBackOff' },
  );
  assert.match(waiting(pod).message ?? '', new RegExp(`^Back-off pulling image "${image}": .*not in the proving ground's local image store.*npm run images`));
  assert.equal(pod!.status?.phase, 'Pending');
});

test('kubectl logs reads containers through the kubelet API: -c, --tail, --previous and -f', async () => {
  const namespace = await createNamespace(suite.cluster, 'logs');
  const pod = await runPod(namespace, 'talker', [
    testappContainer(),
    testappContainer(['--exit-after-ms=1500', '--exit-code=3'], { name: 'crasher', args: ['--host=$(POD_IP)', '--port=8081', '--exit-after-ms=1500', '--exit-code=3'], readinessProbe: undefined, ports: undefined }),
  ]);
  await getJson(podUrl(pod, '/control/unready'), { method: 'POST' });
  await getJson(podUrl(pod, '/control/ready'), { method: 'POST' });
  const logs = (...args: string[]) => kubectl(suite.cluster, 'logs', '-n', namespace, 'talker', ...args);

  const all = await logs('-c', 'app');
  assert.match(all, /listening on .*:8080\n.*readiness set to false\n.*readiness set to true\n$/);
  assert.match(await logs('-c', 'app', '--tail=1'), /^[^\n]*readiness set to true\n$/);

  await waitForPods(suite.cluster, namespace, (pods) => (pods[0]?.status?.containerStatuses?.find((s) => s.name === 'crasher')?.restartCount ?? 0) >= 1, {
    description: 'container crasher to have restarted',
  });
  assert.match(await logs('-c', 'crasher', '--previous'), /listening on .*:8081\n.*exiting with code 3 as asked\n$/);
  await assert.rejects(logs('-c', 'app', '--previous'), /previous terminated container "app" in pod "talker" not found/);

  // -f streams until the container ends: a pod that exits on its own makes kubectl return by itself.
  await runPod(namespace, 'brief', [testappContainer(['--exit-after-ms=3000', '--exit-code=0'], { readinessProbe: undefined })], {
    restartPolicy: 'Never',
  });
  const followed = await kubectl(suite.cluster, 'logs', '-n', namespace, 'brief', '-f');
  assert.match(followed, /listening on[^\n]*\n.*exiting with code 0 as asked\n$/s);
});
