// The demo's hands on the cluster: the real kubectl and helm binaries (as a user would type them), a JSON
// client for reading objects, and where the logs of the operator and the model pods are.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { REPO_ROOT } from '../../proving-ground/cluster.ts';
import { helmPath, kubectlPath } from '../../proving-ground/tools.ts';
import { KubeClient } from '../../src/kube/client.ts';
import { isNotFound } from '../../src/kube/errors.ts';
import type { KubeList } from '../../src/kube/object.ts';
import type { ModelDeployment } from '../../src/api/types.ts';
import type { DemoCluster } from './cluster.ts';
import { DemoError } from './say.ts';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class Kube {
  readonly cluster: DemoCluster;
  readonly client: KubeClient;
  private readonly helmHome: string;

  constructor(cluster: DemoCluster) {
    this.cluster = cluster;
    const kc = new KubeConfig();
    kc.loadFromFile(cluster.kubeconfigPath);
    this.client = new KubeClient(kc, 'modelship-demo');
    // helm keeps repositories, plugins and caches here instead of in the user's home.
    this.helmHome = join(cluster.dir, 'helm');
    mkdirSync(this.helmHome, { recursive: true });
  }

  kubectl(args: string[], timeoutMs = 60_000): Promise<CommandResult> {
    return run(kubectlPath(), args, { KUBECONFIG: this.cluster.kubeconfigPath }, timeoutMs);
  }

  /** kubectl that must succeed; a failure becomes a DemoError quoting kubectl's stderr. */
  async kubectlOk(args: string[], timeoutMs = 60_000): Promise<string> {
    const result = await this.kubectl(args, timeoutMs);
    if (result.code !== 0) throw new DemoError(`kubectl ${args.join(' ')} failed (exit ${result.code}):\n${result.stderr.trim()}`);
    return result.stdout;
  }

  /**
   * `kubectl modelship …` as a user runs it: kubectl finds the plugin `kubectl-modelship` (bin/, a shim that
   * runs src/cli/main.ts) on the PATH, with this Node (24) in front so the shim can run TypeScript.
   */
  plugin(args: string[], timeoutMs = 60_000): Promise<CommandResult> {
    return run(kubectlPath(), ['modelship', ...args], { KUBECONFIG: this.cluster.kubeconfigPath, PATH: pluginPath() }, timeoutMs);
  }

  helm(args: string[], timeoutMs: number): Promise<CommandResult> {
    return run(
      helmPath(),
      args,
      {
        KUBECONFIG: this.cluster.kubeconfigPath,
        HELM_CONFIG_HOME: join(this.helmHome, 'config'),
        HELM_CACHE_HOME: join(this.helmHome, 'cache'),
        HELM_DATA_HOME: join(this.helmHome, 'data'),
      },
      timeoutMs,
    );
  }

  async getModelDeployment(namespace: string, name: string): Promise<ModelDeployment | undefined> {
    try {
      return await this.client.get<ModelDeployment>(`/apis/modelship.io/v1alpha1/namespaces/${namespace}/modeldeployments/${name}`);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** Events about one object, oldest first (events.k8s.io/v1, which is what the operator writes). */
  async eventsFor(namespace: string, kind: string, name: string): Promise<DemoEvent[]> {
    const list = await this.client.get<KubeList<RawEvent>>(`/apis/events.k8s.io/v1/namespaces/${namespace}/events`);
    return list.items
      .filter((event) => event.regarding?.kind === kind && event.regarding.name === name)
      .map((event) => ({
        time: event.series?.lastObservedTime ?? event.eventTime ?? event.deprecatedLastTimestamp ?? event.metadata.creationTimestamp ?? '',
        type: event.type ?? 'Normal',
        reason: event.reason ?? '',
        note: event.note ?? '',
        count: event.series?.count ?? event.deprecatedCount ?? 1,
      }))
      .sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
  }

  /** Log files of every container of the pods in `namespace` whose name starts with `podPrefix`. */
  podLogs(namespace: string, podPrefix = ''): string[] {
    const dir = this.cluster.podsDir;
    if (!existsSync(dir)) return [];
    const out: string[] = [];
    for (const pod of readdirSync(dir).sort()) {
      if (!pod.startsWith(`${namespace}_${podPrefix}`)) continue;
      const logs = join(dir, pod, 'logs');
      if (!existsSync(logs)) continue;
      for (const container of readdirSync(logs).sort()) {
        for (const file of readdirSync(join(logs, container)).sort()) out.push(join(logs, container, file));
      }
    }
    return out;
  }
}

/** PATH for the plugin and for a person trying things after --keep: the plugin shim, kubectl, helm, Node 24. */
export function pluginPath(): string {
  return [join(REPO_ROOT, 'bin'), dirname(kubectlPath()), dirname(helmPath()), dirname(process.execPath), process.env.PATH ?? ''].join(delimiter);
}

export interface DemoEvent {
  time: string;
  type: string;
  reason: string;
  note: string;
  count: number;
}

interface RawEvent {
  metadata: { creationTimestamp?: string };
  eventTime?: string;
  deprecatedLastTimestamp?: string;
  deprecatedCount?: number;
  series?: { count?: number; lastObservedTime?: string };
  type?: string;
  reason?: string;
  note?: string;
  regarding?: { kind?: string; name?: string };
}

function run(file: string, args: string[], env: Record<string, string>, timeoutMs: number): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(file, args, { env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 32 << 20 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      const timedOut = error !== null && error.killed === true;
      resolve({ code, stdout, stderr: timedOut ? `${stderr}\n(killed after ${timeoutMs / 1000}s)` : stderr });
    });
  });
}
