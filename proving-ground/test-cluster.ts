// One real cluster per test file (suite): started in before(), stopped in
// after(). Set MODELSHIP_KEEP_CLUSTER=1 to keep its directory (logs, pod
// directories) after the run.
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { promisify } from 'node:util';
import { CoreV1Api } from '@kubernetes/client-node';
import type { V1Pod } from '@kubernetes/client-node';
import { startCluster } from './cluster.ts';
import type { Cluster, StartClusterOptions } from './cluster.ts';
import { kubectlPath } from './tools.ts';
import { pollUntil } from './lib/wait.ts';

export interface SuiteCluster {
  /** The running cluster; only inside tests (after before() ran). */
  readonly cluster: Cluster;
}

export function clusterForSuite(options: StartClusterOptions = {}): SuiteCluster {
  let cluster: Cluster | undefined;
  before(async () => {
    cluster = await startCluster({
      ...options,
      onProgress: options.onProgress ?? ((line) => process.stderr.write(`[cluster] ${line}\n`)),
    });
  });
  after(async () => {
    const keep = process.env.MODELSHIP_KEEP_CLUSTER === '1';
    await cluster?.stop({ removeDir: !keep });
    if (keep && cluster) process.stderr.write(`[cluster] kept ${cluster.dir}\n`);
  });
  return {
    get cluster(): Cluster {
      if (!cluster) throw new Error('the suite cluster is not running (used outside a test?)');
      return cluster;
    },
  };
}

/** The label that makes the API server enforce a Pod Security level on a namespace's pods. */
export const ENFORCE_RESTRICTED = { 'pod-security.kubernetes.io/enforce': 'restricted' };

/**
 * Creates a namespace that enforces Pod Security `restricted` (so the API server admits only pod specs that
 * comply, as on a hardened cluster) and waits for its default ServiceAccount (pods need it).
 */
export async function createNamespace(cluster: Cluster, name: string): Promise<string> {
  const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name, labels: ENFORCE_RESTRICTED } } });
  await pollUntil(() => core.readNamespacedServiceAccount({ namespace: name, name: 'default' }).then(() => true), {
    description: `the default ServiceAccount of namespace ${name}`,
    timeoutMs: 60_000,
  });
  return name;
}

/**
 * Gives models to pods as a user would on a cluster without object storage: a PersistentVolumeClaim on the
 * local provisioner (a host directory) with `files` copied in (name → host path or content). Resolves once
 * the claim is bound and filled; pods read them through `pvc://<claim>/<name>`.
 */
export async function createModelClaim(cluster: Cluster, namespace: string, claim: string, files: Record<string, string | Buffer>): Promise<void> {
  const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
  await core.createNamespacedPersistentVolumeClaim({
    namespace,
    body: { metadata: { name: claim }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } },
  });
  const dir = join(cluster.layout.pvcDir, namespace, claim);
  await pollUntil(async () => (await core.readNamespacedPersistentVolumeClaim({ namespace, name: claim })).status?.phase === 'Bound' && existsSync(dir), {
    description: `claim ${namespace}/${claim} to be bound`,
    timeoutMs: 60_000,
  });
  for (const [name, source] of Object.entries(files)) {
    if (typeof source === 'string') copyFileSync(source, join(dir, name));
    else writeFileSync(join(dir, name), source);
  }
}

const execFileAsync = promisify(execFile);

/** Runs the real kubectl against the cluster; resolves with stdout. */
export async function kubectl(cluster: Cluster, ...args: string[]): Promise<string> {
  const { stdout } = await execFileAsync(kubectlPath(), ['--kubeconfig', cluster.kubeconfigPath, ...args], {
    timeout: 60_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}

/** A pod's Ready condition is True. */
export function isPodReady(pod: V1Pod): boolean {
  return (pod.status?.conditions ?? []).some((condition) => condition.type === 'Ready' && condition.status === 'True');
}

export interface WaitForPodsOptions {
  labelSelector?: string;
  description: string;
  timeoutMs?: number;
}

/** Polls the pods of a namespace until `accept` returns true for them; resolves with those pods. */
export async function waitForPods(
  cluster: Cluster,
  namespace: string,
  accept: (pods: V1Pod[]) => boolean,
  options: WaitForPodsOptions,
): Promise<V1Pod[]> {
  const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
  let last: V1Pod[] = [];
  return pollUntil(
    async () => {
      last = (await core.listNamespacedPod({ namespace, labelSelector: options.labelSelector })).items;
      return accept(last) ? last : undefined;
    },
    {
      description: options.description,
      timeoutMs: options.timeoutMs ?? 120_000,
      intervalMs: 500,
      diagnose: () =>
        `pods in ${namespace}:\n${last.map((pod) => `  ${pod.metadata?.name} ${pod.status?.phase} ready=${isPodReady(pod)} ${JSON.stringify(pod.status?.containerStatuses?.map((s) => ({ restarts: s.restartCount, state: s.state })))}`).join('\n') || '  (none)'}\nkubelet log: ${cluster.logs.kubelet}`,
    },
  );
}
