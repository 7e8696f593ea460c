// The control plane as operators see it: real kubectl, RBAC enforced on a
// pod's own ServiceAccount token, the garbage collector, and Services reached
// through their EndpointSlices.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppsV1Api, CoreV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import type { V1Deployment } from '@kubernetes/client-node';
import { pollUntil } from './lib/wait.ts';
import { KubeClient } from '../src/kube/client.ts';
import { resolveService } from '../src/kube/endpoints.ts';
import { clusterForSuite, createNamespace, isPodReady, kubectl, waitForPods } from './test-cluster.ts';
import { podUrl, testappContainer } from './testapp-spec.ts';

const suite = clusterForSuite();

async function getJson<T>(url: string, init?: RequestInit): Promise<T> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(15_000) });
  assert.equal(response.status, 200, `${url} answered ${response.status}`);
  return (await response.json()) as T;
}

function testappDeployment(name: string, replicas: number, args?: string[]): V1Deployment {
  return {
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [testappContainer([], args ? { args } : {})] } },
    },
  };
}

test('the real kubectl lists nodes and pods in all namespaces', async () => {
  const namespace = await createNamespace(suite.cluster, 'kubectl');
  const core = suite.cluster.kubeConfig.makeApiClient(CoreV1Api);
  await core.createNamespacedPod({ namespace, body: { metadata: { name: 'listed' }, spec: { containers: [testappContainer()] } } });
  await waitForPods(suite.cluster, namespace, (pods) => pods.length === 1 && isPodReady(pods[0]!), { description: 'pod listed to be Ready' });

  const output = await kubectl(suite.cluster, 'get', 'nodes,pods', '-A', '-o', 'wide');
  assert.match(output, /node\/proving-ground\s+Ready/);
  assert.match(output, new RegExp(`${namespace}\\s+pod/listed\\s+1/1\\s+Running`));
  const version = JSON.parse(await kubectl(suite.cluster, 'version', '-o', 'json')) as { serverVersion: { gitVersion: string } };
  assert.match(version.serverVersion.gitVersion, /^v1\.36\./);
});

test('a pod gets 200 for what its ServiceAccount may do and 403 for a verb its Role lacks', async () => {
  const namespace = await createNamespace(suite.cluster, 'rbac');
  const kc = suite.cluster.kubeConfig;
  const core = kc.makeApiClient(CoreV1Api);
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'reader' } } });
  await rbac.createNamespacedRole({
    namespace,
    body: {
      metadata: { name: 'pod-reader' },
      // list pods, nothing on configmaps: the delete the testapp tries must be forbidden.
      rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }],
    },
  });
  await rbac.createNamespacedRoleBinding({
    namespace,
    body: {
      metadata: { name: 'reader-reads-pods' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' },
      subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace }],
    },
  });
  await core.createNamespacedPod({
    namespace,
    body: { metadata: { name: 'checker' }, spec: { serviceAccountName: 'reader', containers: [testappContainer()] } },
  });
  const [pod] = await waitForPods(suite.cluster, namespace, (pods) => pods.length === 1 && isPodReady(pods[0]!), { description: 'pod checker to be Ready' });

  const result = await getJson<{ namespace: string; listPods: number | string; deleteConfigMap: number | string }>(podUrl(pod!, '/kube-check'));
  assert.deepEqual(result, { namespace, listPods: 200, deleteConfigMap: 403 });
});

test('the garbage collector deletes children through ownerReferences', async () => {
  const namespace = await createNamespace(suite.cluster, 'gc');
  const kc = suite.cluster.kubeConfig;
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);

  const owner = await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'owner' } } });
  const ownerReferences = [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata!.uid! }];
  await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'child', ownerReferences } } });
  await core.createNamespacedSecret({ namespace, body: { metadata: { name: 'child', ownerReferences } } });
  await core.deleteNamespacedConfigMap({ namespace, name: 'owner' });
  await pollUntil(
    async () => {
      const configMaps = await core.listNamespacedConfigMap({ namespace });
      const secrets = await core.listNamespacedSecret({ namespace });
      return !configMaps.items.some((item) => item.metadata?.name === 'child') && !secrets.items.some((item) => item.metadata?.name === 'child');
    },
    { description: 'the garbage collector to delete the owned ConfigMap and Secret', timeoutMs: 60_000, intervalMs: 500 },
  );

  // The same machinery removes a Deployment's ReplicaSet and, through the kubelet, its pods.
  await apps.createNamespacedDeployment({ namespace, body: testappDeployment('owned', 1) });
  await waitForPods(suite.cluster, namespace, (pods) => pods.length === 1 && isPodReady(pods[0]!), { labelSelector: 'app=owned', description: 'owned pod Ready' });
  await apps.deleteNamespacedDeployment({ namespace, name: 'owned', propagationPolicy: 'Background' });
  await pollUntil(async () => (await apps.listNamespacedReplicaSet({ namespace })).items.length === 0, {
    description: 'the ReplicaSet of the deleted Deployment to be collected',
    timeoutMs: 60_000,
    intervalMs: 500,
  });
  await waitForPods(suite.cluster, namespace, (pods) => pods.length === 0, { labelSelector: 'app=owned', description: 'the pods of the deleted Deployment to be gone' });
});

test('the control plane is upstream code as released: loopback addresses in EndpointSlices are refused', async () => {
  await assert.rejects(
    suite.cluster.api.request('POST', '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices', {
      query: { dryRun: 'All' },
      body: {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { generateName: 'loopback-check-' },
        addressType: 'IPv4',
        endpoints: [{ addresses: ['127.0.1.2'] }],
        ports: [],
      },
    }),
    /loopback/,
  );
});

test('a Service resolves to its ready endpoints, and its ClusterIP leads to them from the host and from a pod', async () => {
  const namespace = await createNamespace(suite.cluster, 'services');
  const kc = suite.cluster.kubeConfig;
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  // Both pods listen on 0.0.0.0:8080, as a model server does: each in its own network namespace.
  await apps.createNamespacedDeployment({ namespace, body: testappDeployment('echo', 2, ['--host=0.0.0.0', '--port=8080']) });
  await core.createNamespacedService({
    namespace,
    body: { metadata: { name: 'echo' }, spec: { selector: { app: 'echo' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } },
  });
  const pods = await waitForPods(suite.cluster, namespace, (list) => list.length === 2 && list.every(isPodReady), {
    labelSelector: 'app=echo',
    description: 'two ready echo pods',
  });
  const podIPs = pods.map((pod) => pod.status!.podIP!).sort();
  const kube = new KubeClient(kc);

  const endpoints = await pollUntil(
    async () => {
      // From the EndpointSlices themselves, not the ready-pods fallback: this checks the controller fills them.
      const { endpoints: found, source } = await resolveService(kube, namespace, 'echo', 80);
      return found.length === 2 && source === 'endpointslices' ? found : undefined;
    },
    {
      description: 'service echo to resolve to two ready endpoints',
      timeoutMs: 60_000,
      intervalMs: 500,
      diagnose: () => `kube-controller-manager log: ${suite.cluster.logs['kube-controller-manager']}`,
    },
  );
  assert.deepEqual(endpoints.map((endpoint) => endpoint.address).sort(), podIPs);
  assert.ok(endpoints.every((endpoint) => endpoint.port === 8080));
  // Both bound the same wildcard address and port without conflict: each answers on its pod IP (from the
  // host) and on localhost inside its own namespace, as itself.
  for (const pod of pods) {
    const env = await getJson<{ argv: string[] }>(podUrl(pod, '/env'));
    assert.ok(env.argv.includes('--host=0.0.0.0'), JSON.stringify(env.argv));
    const local = await getJson<{ status: number; body: string }>(podUrl(pod, `/fetch?url=${encodeURIComponent('http://127.0.0.1:8080/')}`));
    assert.deepEqual([local.status, (JSON.parse(local.body) as { hello: string }).hello], [200, pod.metadata!.name]);
  }

  // From the host: through its route into the node netns, where kube-proxy's rules pick a pod.
  const clusterIP = (await core.readNamespacedService({ namespace, name: 'echo' })).spec!.clusterIP!;
  // A new connection per request: kube-proxy picks a pod per connection, and fetch would keep one open.
  const hello = async (url: string): Promise<string> => (await getJson<{ hello: string }>(url, { headers: { connection: 'close' } })).hello;
  const answeredBy = new Set<string>();
  await pollUntil(
    async () => {
      answeredBy.add(await hello(`http://${clusterIP}/`));
      return answeredBy.size === 2;
    },
    { description: `requests to ClusterIP ${clusterIP} to reach both pods`, timeoutMs: 60_000, intervalMs: 100, diagnose: () => `kube-proxy log: ${suite.cluster.logs['kube-proxy']}` },
  );
  assert.deepEqual([...answeredBy].sort(), pods.map((pod) => pod.metadata!.name!).sort());

  // From a pod: its own network namespace, through the bridge and the node netns.
  await core.createNamespacedPod({ namespace, body: { metadata: { name: 'client' }, spec: { containers: [testappContainer()] } } });
  const [client] = await waitForPods(suite.cluster, namespace, (list) => list.some((pod) => pod.metadata?.name === 'client' && isPodReady(pod)), {
    description: 'pod client Ready',
  }).then((list) => list.filter((pod) => pod.metadata?.name === 'client'));
  const viaPod = await getJson<{ status: number; body: string }>(podUrl(client!, `/fetch?url=${encodeURIComponent(`http://${clusterIP}/`)}`));
  assert.equal(viaPod.status, 200);
  assert.ok(answeredBy.has((JSON.parse(viaPod.body) as { hello: string }).hello), viaPod.body);
  const podToPod = await getJson<{ status: number; body: string }>(podUrl(client!, `/fetch?url=${encodeURIComponent(`http://${podIPs[0]}:8080/`)}`));
  assert.equal(podToPod.status, 200, 'a pod reaches another pod by its IP');

  // A pod that stops passing its readiness probe leaves the Service.
  await getJson(podUrl(pods[0]!, '/control/unready'), { method: 'POST' });
  await pollUntil(
    async () => {
      const { endpoints: found, source } = await resolveService(kube, namespace, 'echo', 'http');
      return source === 'endpointslices' && found.length === 1 && found[0]!.address === pods[1]!.status!.podIP;
    },
    { description: 'the unready pod to leave the Service endpoints', timeoutMs: 60_000, intervalMs: 500 },
  );
});
