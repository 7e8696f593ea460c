// What the chart, GitOps and plugin tests need from the proving ground: a cluster with the chart installed
// by the real helm, kubectl and `kubectl modelship` against it, and the operator's own logs.
import { copyFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { dump } from 'js-yaml';
import { KubeClient } from '../../src/kube/client.ts';
import { isNotFound } from '../../src/kube/errors.ts';
import type { ModelDeployment } from '../../src/api/types.ts';
import { startCluster } from '../../proving-ground/cluster.ts';
import { chartDir, helm, kubectlBinary, repoRoot, runBinary, valuesFile, type RunResult } from './helm.ts';

export const OPERATOR_NAMESPACE = 'modelship-system';
export const RELEASE = 'modelship';
export const MODEL_FILE = path.join(repoRoot, 'runtime', 'fixtures', 'linear_regression.onnx');
/** One row of the diabetes data set the fixture regression was trained on (10 features). */
export const MODEL_ROW = [0.038, 0.05, 0.061, 0.021, -0.044, -0.034, -0.043, -0.002, 0.019, -0.017];

export interface TestCluster {
  kubeconfigPath: string;
  client: KubeClient;
  /** Directory the local kubelet keeps pods in (logs); undefined on an external cluster. */
  podsDir: string | undefined;
  /** Where the local provisioner makes claims' directories (<pvcDir>/<namespace>/<claim>). */
  pvcDir: string | undefined;
  stop(): Promise<void>;
}

/**
 * The cluster MODELSHIP_KUBECONFIG names (with MODELSHIP_PODS_DIR, the pods directory of a proving ground
 * started by `npm run cluster:up`), or a fresh proving ground with one node and the local kubelet.
 */
export async function useCluster(): Promise<TestCluster> {
  const external = process.env.MODELSHIP_KUBECONFIG;
  if (external) {
    const podsDir = process.env.MODELSHIP_PODS_DIR;
    const pvcDir = podsDir ? path.join(path.dirname(podsDir), 'pvc') : undefined;
    return { kubeconfigPath: external, client: clientFor(external), podsDir, pvcDir, stop: async () => {} };
  }
  const cluster = await startCluster({
    nodes: 1,
    crashBackoff: { initialMs: 500, maxMs: 5_000 },
    onProgress: (line) => process.env.MODELSHIP_TEST_VERBOSE && console.error(`[cluster] ${line}`),
  });
  return {
    kubeconfigPath: cluster.kubeconfigPath,
    client: clientFor(cluster.kubeconfigPath),
    podsDir: cluster.layout.podsDir,
    pvcDir: cluster.layout.pvcDir,
    stop: () => cluster.stop(),
  };
}

function clientFor(kubeconfigPath: string): KubeClient {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  return new KubeClient(kc);
}

export function kubectl(cluster: TestCluster, args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return withInput(opts.input, async (file) =>
    runBinary(await kubectlBinary(), file ? [...args.map((a) => (a === '-' ? file : a))] : args, {
      env: { KUBECONFIG: cluster.kubeconfigPath },
      timeoutMs: opts.timeoutMs ?? 60_000,
    }),
  );
}

/** kubectl -f - with `input` written to a file, since execFile has no stdin here. */
async function withInput<T>(input: string | undefined, fn: (file: string | undefined) => Promise<T>): Promise<T> {
  if (input === undefined) return fn(undefined);
  const dir = await mkdtemp(path.join(tmpdir(), 'modelship-kubectl-'));
  const file = path.join(dir, 'input.yaml');
  await writeFile(file, input);
  return fn(file);
}

/**
 * `kubectl modelship …` exactly as a user runs it: kubectl finds the plugin `kubectl-modelship` on the
 * PATH (bin/, the development shim) and runs it with the same KUBECONFIG.
 */
export async function plugin(cluster: TestCluster, args: string[], opts: { timeoutMs?: number } = {}): Promise<RunResult> {
  const nodeDir = path.dirname(process.execPath);
  return runBinary(await kubectlBinary(), ['modelship', ...args], {
    env: {
      KUBECONFIG: cluster.kubeconfigPath,
      PATH: [path.join(repoRoot, 'bin'), nodeDir, process.env.PATH ?? ''].join(path.delimiter),
    },
    timeoutMs: opts.timeoutMs ?? 60_000,
  });
}

/** kubectl with bin/ on the PATH, as for `kubectl plugin list`. */
export async function kubectlWithPlugins(cluster: TestCluster, args: string[]): Promise<RunResult> {
  return runBinary(await kubectlBinary(), args, {
    env: { KUBECONFIG: cluster.kubeconfigPath, PATH: [path.join(repoRoot, 'bin'), path.dirname(process.execPath), process.env.PATH ?? ''].join(path.delimiter) },
  });
}

export function helmOn(cluster: TestCluster, args: string[], timeoutMs = 600_000): Promise<RunResult> {
  return helm(args, { env: { KUBECONFIG: cluster.kubeconfigPath }, timeoutMs });
}

/** The chart's metrics port: each pod has its own network namespace, so the defaults never collide. */
export const METRICS_PORT = 8080;
/** Values for the proving ground: one operator replica and quick probes. */
export const TEST_VALUES = {
  replicaCount: 1,
  readinessProbe: { initialDelaySeconds: 0, periodSeconds: 1 },
  livenessProbe: { initialDelaySeconds: 5, periodSeconds: 5 },
};

export async function installChart(cluster: TestCluster, values: unknown = TEST_VALUES, chart = chartDir): Promise<RunResult> {
  // Made first, so it enforces Pod Security `restricted` (helm's --create-namespace would not label it).
  await ensureNamespace(cluster, OPERATOR_NAMESPACE);
  return helmOn(cluster, [
    'upgrade', '--install', RELEASE, chart,
    '--namespace', OPERATOR_NAMESPACE, '--create-namespace',
    '-f', await valuesFile(values),
    '--wait=watcher', '--timeout', '5m',
  ]);
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 120_000, everyMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export function mdPath(namespace: string, name?: string): string {
  return `/apis/modelship.io/v1alpha1/namespaces/${namespace}/modeldeployments${name ? `/${name}` : ''}`;
}

export async function getMd(cluster: TestCluster, namespace: string, name: string): Promise<ModelDeployment | undefined> {
  try {
    return await cluster.client.get<ModelDeployment>(mdPath(namespace, name));
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

export function condition(md: ModelDeployment | undefined, type: string): string | undefined {
  return md?.status?.conditions?.find((c) => c.type === type)?.status;
}

/** Ready=True for the current generation. */
export async function waitReady(cluster: TestCluster, namespace: string, name: string, timeoutMs = 180_000): Promise<ModelDeployment> {
  return waitFor(`ModelDeployment ${namespace}/${name} to be Ready`, async () => {
    const md = await getMd(cluster, namespace, name);
    return md && md.status?.observedGeneration === md.metadata.generation && condition(md, 'Ready') === 'True' ? md : undefined;
  }, timeoutMs);
}

/**
 * Creates a namespace (if missing) that enforces Pod Security `restricted`, so the API server admits only
 * pod specs that comply, and waits for its default ServiceAccount, which pods need.
 */
export async function ensureNamespace(cluster: TestCluster, name: string): Promise<void> {
  try {
    await cluster.client.create('/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name, labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } },
    });
  } catch (err) {
    if (!(err instanceof Error && /already exists/.test(err.message))) throw err;
  }
  await waitFor(`the default ServiceAccount of namespace ${name}`, async () => {
    await cluster.client.get(`/api/v1/namespaces/${name}/serviceaccounts/default`);
    return true;
  }, 60_000);
}

/** Where modelDeployment's model is: the fixture regression in the namespace's `models` claim (provideModel). */
export const MODEL_URI = 'pvc://models/linear_regression.onnx';

/**
 * The namespace's `models` claim with the fixture regression copied in, as a user would give a model to
 * pods on a cluster without object storage.
 */
export async function provideModel(cluster: TestCluster, namespace: string): Promise<void> {
  if (!cluster.pvcDir) throw new Error('provideModel needs the proving ground\'s claim directory (MODELSHIP_PODS_DIR for an external cluster)');
  await cluster.client.create(`/api/v1/namespaces/${namespace}/persistentvolumeclaims`, {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'models' },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
  });
  const dir = path.join(cluster.pvcDir, namespace, 'models');
  await waitFor(`claim ${namespace}/models to be bound`, async () => existsSync(dir), 60_000);
  copyFileSync(MODEL_FILE, path.join(dir, 'linear_regression.onnx'));
}

/** A ModelDeployment serving the fixture regression from the namespace's `models` claim. */
export function modelDeployment(name: string, spec: Record<string, unknown> = {}, model: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'modelship.io/v1alpha1',
    kind: 'ModelDeployment',
    metadata: { name },
    spec: {
      model: { version: '1', uri: MODEL_URI, ...model },
      replicas: 1,
      ...spec,
    },
  };
}

export function toYaml(...docs: unknown[]): string {
  return docs.map((d) => dump(d, { lineWidth: -1 })).join('---\n');
}

/** Every log line the operator containers wrote, across pods and restarts (the local kubelet keeps them). */
export function operatorLogs(cluster: TestCluster, namespace = OPERATOR_NAMESPACE): string {
  if (!cluster.podsDir || !existsSync(cluster.podsDir)) return '';
  let out = '';
  for (const pod of readdirSync(cluster.podsDir).filter((d) => d.startsWith(`${namespace}_`))) {
    const dir = path.join(cluster.podsDir, pod, 'logs', 'operator');
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).sort()) out += readFileSync(path.join(dir, f), 'utf8');
  }
  return out;
}

/**
 * Log lines that say the API server refused the operator something, among those logged at or after `sinceMs`
 * (the operator logs JSON lines with an ISO `time`), so that an earlier run's teardown does not count.
 */
export function forbiddenLines(logs: string, sinceMs = 0): string[] {
  return logs.split('\n').filter((line) => {
    if (!/\bforbidden\b|"statusCode":403|\b403\b/i.test(line)) return false;
    const time = /"time":"([^"]+)"/.exec(line)?.[1];
    return time === undefined || Date.parse(time) >= sinceMs;
  });
}
