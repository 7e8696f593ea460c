// The local kubelet under real controllers: Deployments roll out, probes gate
// readiness, scale-down SIGTERMs processes, crashes restart with back-off,
// init containers and volumes work, and images under the simulated registry
// are reported without running. (Images and their rules: images.test.ts.)
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import type { V1Deployment, V1PodSpec } from '@kubernetes/client-node';
import { pollUntil } from './lib/wait.ts';
import { clusterForSuite, createNamespace, isPodReady, waitForPods } from './test-cluster.ts';
import { podUrl, testappContainer } from './testapp-spec.ts';

const suite = clusterForSuite();

function apis() {
  const kc = suite.cluster.kubeConfig;
  return { core: kc.makeApiClient(CoreV1Api), apps: kc.makeApiClient(AppsV1Api) };
}

function deployment(name: string, replicas: number, spec: V1PodSpec): V1Deployment {
  return {
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec },
    },
  };
}

/** What a pod's container wrote to its log (first run), read from the kubelet's pod directory. */
function containerLog(namespace: string, pod: string, container = 'app'): string {
  const dir = suite.cluster.kubelet?.podDirectory(namespace, pod);
  if (!dir) return '';
  try {
    return readFileSync(join(dir, 'logs', container, '0.log'), 'utf8');
  } catch {
    return '';
  }
}

/** When testapp logged that SIGTERM arrived, or undefined. */
function sigtermAt(namespace: string, pod: string): number | undefined {
  const line = containerLog(namespace, pod)
    .split('\n')
    .find((entry) => entry.endsWith('received SIGTERM'));
  return line ? Date.parse(line.split(' ')[0]!) : undefined;
}

async function getJson<T>(url: string, init?: RequestInit): Promise<T> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  assert.equal(response.status, 200, `${url} answered ${response.status}`);
  return (await response.json()) as T;
}

test('a Deployment of our image rolls out through the real deployment controller', async () => {
  const namespace = await createNamespace(suite.cluster, 'rollout');
  const { apps } = apis();
  await apps.createNamespacedDeployment({ namespace, body: deployment('web', 2, { containers: [testappContainer()] }) });

  await pollUntil(
    async () => {
      const current = await apps.readNamespacedDeployment({ namespace, name: 'web' });
      return current.status?.availableReplicas === 2 && current.status.updatedReplicas === 2;
    },
    { description: 'deployment web to have 2 available replicas', timeoutMs: 120_000, intervalMs: 500 },
  );
  const pods = await waitForPods(suite.cluster, namespace, (list) => list.length === 2 && list.every(isPodReady), {
    labelSelector: 'app=web',
    description: 'two ready web pods',
  });
  const ips = pods.map((pod) => pod.status?.podIP ?? '');
  assert.equal(new Set(ips).size, 2, `pod IPs must be unique: ${ips}`);
  // Addresses of the cluster's pod CIDR (10.<200+k>.0.0/16), each pod in its own network namespace.
  const podCidrPrefix = suite.cluster.kubelet!.podNetwork.replace(/\.0\.0\/16$/, '.');
  for (const ip of ips) assert.ok(ip.startsWith(podCidrPrefix), `${ip} is in ${suite.cluster.kubelet!.podNetwork}`);
  for (const pod of pods) {
    const env = await getJson<{ argv: string[]; env: Record<string, string> }>(podUrl(pod, '/env'));
    assert.deepEqual(env.argv, [`--host=${pod.status?.podIP}`, '--port=8080'], '$(POD_IP) expands in args');
    assert.equal(env.env.POD_NAME, pod.metadata?.name);
  }
});

test('a pod is Ready only once its process answers the readiness probe', async () => {
  const namespace = await createNamespace(suite.cluster, 'readiness');
  const { core } = apis();
  await core.createNamespacedPod({ namespace, body: { metadata: { name: 'shy' }, spec: { containers: [testappContainer(['--start-unready'])] } } });

  const [running] = await waitForPods(suite.cluster, namespace, (pods) => pods[0]?.status?.containerStatuses?.[0]?.state?.running !== undefined, {
    description: 'pod shy to be running',
  });
  // Not ready while the probe has been answered 503 several times.
  await pollUntil(async () => (await getJson<{ readinessProbes: number }>(podUrl(running!, '/stats'))).readinessProbes >= 3, {
    description: 'three readiness probes to reach the process',
    timeoutMs: 60_000,
  });
  const stillUnready = await core.readNamespacedPod({ namespace, name: 'shy' });
  assert.equal(isPodReady(stillUnready), false, 'pod must not be Ready while /readyz answers 503');
  assert.equal(stillUnready.status?.containerStatuses?.[0]?.ready, false);

  await getJson(podUrl(running!, '/control/ready'), { method: 'POST' });
  await waitForPods(suite.cluster, namespace, (pods) => pods.length === 1 && isPodReady(pods[0]!), { description: 'pod shy to become Ready' });

  await getJson(podUrl(running!, '/control/unready'), { method: 'POST' });
  await waitForPods(suite.cluster, namespace, (pods) => pods.length === 1 && !isPodReady(pods[0]!), {
    description: 'pod shy to lose Ready after three failed probes',
  });
});

test('scaling a Deployment down SIGTERMs the processes of the removed pods', async () => {
  const namespace = await createNamespace(suite.cluster, 'scale-down');
  const { apps } = apis();
  await apps.createNamespacedDeployment({
    namespace,
    body: deployment('fleet', 3, {
      terminationGracePeriodSeconds: 20,
      containers: [testappContainer()],
    }),
  });
  const before = await waitForPods(suite.cluster, namespace, (pods) => pods.length === 3 && pods.every(isPodReady), {
    labelSelector: 'app=fleet',
    description: 'three ready fleet pods',
  });

  await apps.replaceNamespacedDeploymentScale({ namespace, name: 'fleet', body: { metadata: { name: 'fleet', namespace }, spec: { replicas: 1 } } });
  const after = await waitForPods(suite.cluster, namespace, (pods) => pods.length === 1, {
    labelSelector: 'app=fleet',
    description: 'the fleet to shrink to one pod (kubelet deletes after graceful stop)',
  });
  const survivors = new Set(after.map((pod) => pod.metadata?.name));
  const removed = before.map((pod) => pod.metadata?.name ?? '').filter((name) => !survivors.has(name));
  assert.equal(removed.length, 2);
  for (const name of removed) assert.ok(sigtermAt(namespace, name), `process of ${name} got no SIGTERM; its log:\n${containerLog(namespace, name)}`);
  for (const name of survivors) assert.equal(sigtermAt(namespace, name!), undefined, `surviving pod ${name} was signalled`);
});

test('a pod deletion runs the preStop sleep before SIGTERM', async () => {
  const namespace = await createNamespace(suite.cluster, 'prestop');
  const { core } = apis();
  await core.createNamespacedPod({
    namespace,
    body: {
      metadata: { name: 'patient' },
      spec: {
        terminationGracePeriodSeconds: 30,
        containers: [testappContainer([], { lifecycle: { preStop: { sleep: { seconds: 3 } } } })],
      },
    },
  });
  await waitForPods(suite.cluster, namespace, (pods) => pods.length === 1 && isPodReady(pods[0]!), { description: 'pod patient to be Ready' });
  const deletedAt = Date.now();
  await core.deleteNamespacedPod({ namespace, name: 'patient' });
  await waitForPods(suite.cluster, namespace, (pods) => pods.length === 0, { description: 'pod patient to be gone' });
  const signalledAt = sigtermAt(namespace, 'patient');
  assert.ok(signalledAt !== undefined, `no SIGTERM in the log:\n${containerLog(namespace, 'patient')}`);
  assert.ok(signalledAt - deletedAt >= 2500, `SIGTERM came ${signalledAt - deletedAt}ms after the delete; preStop sleeps 3s`);
});

test('a crashing container restarts with back-off and its restart count rises', async () => {
  const namespace = await createNamespace(suite.cluster, 'crash');
  const { core } = apis();
  await core.createNamespacedPod({
    namespace,
    body: { metadata: { name: 'crasher' }, spec: { containers: [testappContainer(['--exit-after-ms=300', '--exit-code=3'])] } },
  });
  const [pod] = await waitForPods(
    suite.cluster,
    namespace,
    (pods) => {
      const status = pods[0]?.status?.containerStatuses?.[0];
      return (status?.restartCount ?? 0) >= 2 && status?.state?.waiting?.reason === 'CrashLoopBackOff';
    },
    { description: 'crasher to restart twice and sit in CrashLoopBackOff', timeoutMs: 90_000 },
  );
  const status = pod!.status!.containerStatuses![0]!;
  assert.equal(status.lastState?.terminated?.exitCode, 3);
  assert.equal(status.lastState?.terminated?.reason, 'Error');
  assert.match(status.state?.waiting?.message ?? '', /back-off \d+s restarting failed container=app/);
  assert.equal(isPodReady(pod!), false);
});

test('a command the image does not have is a StartError, like a real kubelet', async () => {
  const namespace = await createNamespace(suite.cluster, 'cannot-start');
  const { core } = apis();
  await core.createNamespacedPod({
    namespace,
    body: { metadata: { name: 'broken' }, spec: { containers: [testappContainer([], { command: ['/bin/testapp'] })] } },
  });
  const [pod] = await waitForPods(
    suite.cluster,
    namespace,
    (pods) => pods[0]?.status?.containerStatuses?.[0]?.lastState?.terminated?.reason === 'StartError',
    { description: 'broken to report a StartError' },
  );
  const status = pod!.status!.containerStatuses![0]!;
  assert.match(status.lastState?.terminated?.message ?? '', /exec: "\/bin\/testapp": stat \/bin\/testapp: no such file or directory/);
  assert.ok(['RunContainerError', 'CrashLoopBackOff'].includes(status.state?.waiting?.reason ?? ''), JSON.stringify(status.state));
});

test('a missing Secret holds the container in CreateContainerConfigError until it appears', async () => {
  const namespace = await createNamespace(suite.cluster, 'config-error');
  const { core } = apis();
  await core.createNamespacedPod({
    namespace,
    body: {
      metadata: { name: 'needs-secret' },
      spec: { containers: [testappContainer([], { envFrom: [{ secretRef: { name: 'later' } }] })] },
    },
  });
  const [waiting] = await waitForPods(
    suite.cluster,
    namespace,
    (pods) => pods[0]?.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CreateContainerConfigError',
    { description: 'needs-secret to wait with CreateContainerConfigError' },
  );
  assert.match(waiting!.status!.containerStatuses![0]!.state!.waiting!.message ?? '', /secret "later" not found/);
  await core.createNamespacedSecret({ namespace, body: { metadata: { name: 'later' }, stringData: { GREETING: 'hello' } } });
  const [ready] = await waitForPods(suite.cluster, namespace, (pods) => pods.length === 1 && isPodReady(pods[0]!), {
    description: 'needs-secret to start once the Secret exists',
  });
  const env = await getJson<{ env: Record<string, string> }>(podUrl(ready!, '/env'));
  assert.equal(env.env.GREETING, 'hello');
});

test('init containers run to completion, in order, before the main container', async () => {
  const namespace = await createNamespace(suite.cluster, 'init');
  const { core } = apis();
  const initContainer = (name: string) =>
    testappContainer(['--exit-after-ms=200', '--exit-code=0'], { name, readinessProbe: undefined, ports: undefined });
  await core.createNamespacedPod({
    namespace,
    body: { metadata: { name: 'staged' }, spec: { initContainers: [initContainer('first'), initContainer('second')], containers: [testappContainer()] } },
  });
  const [pod] = await waitForPods(suite.cluster, namespace, (pods) => pods.length === 1 && isPodReady(pods[0]!), {
    description: 'staged to be Ready after its init containers',
  });
  const inits = pod!.status!.initContainerStatuses!;
  assert.deepEqual(inits.map((status) => [status.name, status.state?.terminated?.reason, status.state?.terminated?.exitCode]), [
    ['first', 'Completed', 0],
    ['second', 'Completed', 0],
  ]);
  const firstDone = Date.parse(String(inits[0]!.state!.terminated!.finishedAt));
  const secondStarted = Date.parse(String(inits[1]!.state!.terminated!.startedAt));
  assert.ok(secondStarted >= firstDone - 1000, 'second init container started after the first finished');
});

test('a failing init container is retried with back-off and holds the main container back', async () => {
  const namespace = await createNamespace(suite.cluster, 'init-failure');
  const { core } = apis();
  await core.createNamespacedPod({
    namespace,
    body: {
      metadata: { name: 'stuck' },
      spec: {
        initContainers: [testappContainer(['--exit-after-ms=100', '--exit-code=7'], { name: 'setup', readinessProbe: undefined, ports: undefined })],
        containers: [testappContainer()],
      },
    },
  });
  const [pod] = await waitForPods(
    suite.cluster,
    namespace,
    (pods) => {
      const init = pods[0]?.status?.initContainerStatuses?.[0];
      return (init?.restartCount ?? 0) >= 1 && init?.state?.waiting?.reason === 'CrashLoopBackOff';
    },
    { description: 'init container setup to be in CrashLoopBackOff' },
  );
  assert.equal(pod!.status?.phase, 'Pending');
  assert.equal(pod!.status?.initContainerStatuses?.[0]?.lastState?.terminated?.exitCode, 7);
  assert.equal(pod!.status?.containerStatuses?.[0]?.state?.waiting?.reason, 'PodInitializing');
  assert.equal(pod!.status?.conditions?.find((c) => c.type === 'Initialized')?.status, 'False');
});

test('a pod whose containers exit 0 under restartPolicy Never succeeds', async () => {
  const namespace = await createNamespace(suite.cluster, 'completion');
  const { core } = apis();
  await core.createNamespacedPod({
    namespace,
    body: {
      metadata: { name: 'once' },
      spec: { restartPolicy: 'Never', containers: [testappContainer(['--exit-after-ms=200', '--exit-code=0'], { readinessProbe: undefined })] },
    },
  });
  const [pod] = await waitForPods(suite.cluster, namespace, (pods) => pods[0]?.status?.phase === 'Succeeded', { description: 'pod once to succeed' });
  const status = pod!.status!.containerStatuses![0]!;
  assert.equal(status.state?.terminated?.reason, 'Completed');
  assert.equal(status.restartCount, 0);
});

test('a PersistentVolumeClaim is provisioned as a directory, bound, and mounted', async () => {
  const namespace = await createNamespace(suite.cluster, 'claims');
  const { core } = apis();
  await core.createNamespacedPersistentVolumeClaim({
    namespace,
    body: { metadata: { name: 'models' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } },
  });
  await core.createNamespacedPod({
    namespace,
    body: {
      metadata: { name: 'reader' },
      spec: {
        volumes: [{ name: 'models', persistentVolumeClaim: { claimName: 'models' } }],
        containers: [testappContainer([], { volumeMounts: [{ name: 'models', mountPath: '/mnt/pvc/models' }] })],
      },
    },
  });
  const [pod] = await waitForPods(suite.cluster, namespace, (pods) => pods.length === 1 && isPodReady(pods[0]!), { description: 'pod reader to be Ready' });
  const claim = await core.readNamespacedPersistentVolumeClaim({ namespace, name: 'models' });
  assert.equal(claim.status?.phase, 'Bound');
  // The claim is a directory on the host: what a user copies there, the pod sees at its mountPath.
  writeFileSync(join(suite.cluster.layout.pvcDir, namespace, 'models', 'model.onnx'), 'weights');
  const file = await getJson<{ content: string }>(podUrl(pod!, '/file?path=/mnt/pvc/models/model.onnx'));
  assert.equal(file.content, 'weights');
  const written = await getJson<{ written?: string }>(podUrl(pod!, '/write?path=/mnt/pvc/models/out.txt'), { method: 'POST' });
  assert.equal(written.written, '/mnt/pvc/models/out.txt', 'the non-root container can write to its claim');
});

test('ConfigMap, Secret, emptyDir and service-account volumes are mounted where the pod says', async () => {
  const namespace = await createNamespace(suite.cluster, 'volumes');
  const { core } = apis();
  await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'settings' }, data: { 'mode.txt': 'fast' } } });
  await core.createNamespacedSecret({ namespace, body: { metadata: { name: 'creds' }, stringData: { token: 's3cret' } } });
  await core.createNamespacedPod({
    namespace,
    body: {
      metadata: { name: 'mounted' },
      spec: {
        volumes: [
          { name: 'settings', configMap: { name: 'settings' } },
          { name: 'creds', secret: { secretName: 'creds' } },
          { name: 'scratch', emptyDir: {} },
        ],
        containers: [
          testappContainer(['--config=/etc/app/mode.txt'], {
            volumeMounts: [
              { name: 'settings', mountPath: '/etc/app' },
              { name: 'creds', mountPath: '/var/creds', readOnly: true },
              { name: 'scratch', mountPath: '/scratch' },
            ],
          }),
        ],
      },
    },
  });
  const [pod] = await waitForPods(suite.cluster, namespace, (pods) => pods.length === 1 && isPodReady(pods[0]!), { description: 'mounted to be Ready' });
  const read = async (path: string): Promise<string> => (await getJson<{ content: string }>(podUrl(pod!, `/file?path=${path}`))).content;
  const write = async (path: string) => getJson<{ written?: string; error?: string }>(podUrl(pod!, `/write?path=${path}`), { method: 'POST' });
  const { argv } = await getJson<{ argv: string[] }>(podUrl(pod!, '/env'));
  assert.ok(argv.includes('--config=/etc/app/mode.txt'), `arguments reach the process as written: ${argv}`);
  assert.equal(await read('/etc/app/mode.txt'), 'fast');
  assert.equal(await read('/var/creds/token'), 's3cret');
  assert.deepEqual(await write('/scratch/x'), { written: '/scratch/x' });
  assert.deepEqual(await write('/var/creds/x'), { error: 'EROFS' }, 'a readOnly mount is read-only');
  assert.deepEqual(await write('/app/x'), { error: 'EROFS' }, 'readOnlyRootFilesystem holds');
  // The ServiceAccount admission plugin's projected volume, at the path in-cluster clients read.
  assert.equal(await read('/var/run/secrets/kubernetes.io/serviceaccount/namespace'), namespace);
  assert.match(await read('/var/run/secrets/kubernetes.io/serviceaccount/token'), /^ey/);
  assert.match(await read('/etc/hosts'), new RegExp(`${pod!.status!.podIP!.replaceAll('.', '\\.')}\\tmounted`));
  // Nothing of the host is visible: the checkout is not there.
  assert.equal((await fetch(podUrl(pod!, `/file?path=${join(process.cwd(), 'package.json')}`))).status, 404);
});

test('images under the simulated registry are reported Running and Ready without running anything', async () => {
  const namespace = await createNamespace(suite.cluster, 'simulated');
  const { core } = apis();
  await core.createNamespacedPod({
    namespace,
    body: {
      metadata: { name: 'nginx' },
      spec: {
        containers: [
          {
            name: 'nginx',
            image: 'simulated.modelship.invalid/library/nginx:1.27',
            readinessProbe: { exec: { command: ['true'] } },
            securityContext: testappContainer().securityContext,
          },
        ],
      },
    },
  });
  const [pod] = await waitForPods(suite.cluster, namespace, (pods) => pods.length === 1 && isPodReady(pods[0]!), { description: 'nginx to be Ready' });
  assert.equal(pod!.status?.phase, 'Running');
  assert.ok(pod!.status?.containerStatuses?.[0]?.state?.running);
  await core.deleteNamespacedPod({ namespace, name: 'nginx' });
  await waitForPods(suite.cluster, namespace, (pods) => pods.length === 0, { description: 'nginx to be deleted' });
});
