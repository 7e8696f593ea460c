// Flux's source-, kustomize- and helm-controller as processes against a proving-ground cluster, the way
// Flux's install runs them in flux-system, minus the Pods: Flux's images sit on a distroless base no registry
// here can serve, and rebuilding them on ours would add build time without changing what is tested (the
// controllers reach the API server as in-cluster ones do, with a kubeconfig instead of a token). The
// source-controller serves artifacts on a loopback port, which it advertises to the other two. The cluster
// adopts each process, so a test that dies leaves no controller behind.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Cluster } from '../cluster.ts';
import { freePort } from '../lib/ports.ts';
import { spawnLogged, stopProcessGroup } from '../lib/processes.ts';
import type { ManagedProcess } from '../lib/processes.ts';
import { pollUntil } from '../lib/wait.ts';
import { kubectl } from '../test-cluster.ts';
import { ensureFlux } from './build-flux.ts';
import type { FluxControllerName } from './build-flux.ts';

export const FLUX_NAMESPACE = 'flux-system';

export interface RunningFlux {
  readonly processes: ManagedProcess[];
  stop(): Promise<void>;
  logTail(name: FluxControllerName, lines?: number): string;
}

/** Installs Flux's CRDs and the flux-system namespace, starts the three controllers and waits for /readyz. */
export async function startFlux(cluster: Cluster, onProgress: (line: string) => void = () => {}): Promise<RunningFlux> {
  const build = await ensureFlux(onProgress);
  for (const file of build.crdFiles) await kubectl(cluster, 'apply', '--server-side', '-f', file);
  await kubectl(cluster, 'wait', '--for=condition=Established', '--timeout=60s', ...build.crdFiles.flatMap((f) => ['-f', f]));
  await kubectl(cluster, 'create', 'namespace', FLUX_NAMESPACE);

  const storagePort = await freePort();
  const storage = join(cluster.dir, 'flux', 'storage');
  mkdirSync(storage, { recursive: true });
  const processes: ManagedProcess[] = [];
  const health: string[] = [];
  const extra: Record<FluxControllerName, string[]> = {
    'source-controller': [`--storage-path=${storage}`, `--storage-addr=127.0.0.1:${storagePort}`, `--storage-adv-addr=127.0.0.1:${storagePort}`],
    'kustomize-controller': [],
    'helm-controller': [],
  };
  for (const name of Object.keys(extra) as FluxControllerName[]) {
    const [metricsPort, healthPort] = [await freePort(), await freePort()];
    health.push(`http://127.0.0.1:${healthPort}/readyz`);
    const controller = spawnLogged({
      name,
      command: build.binaries[name],
      args: [
        `--metrics-addr=127.0.0.1:${metricsPort}`,
        `--health-addr=127.0.0.1:${healthPort}`,
        '--enable-leader-election=false',
        '--log-level=debug',
        ...extra[name],
      ],
      logPath: join(cluster.layout.logsDir, `${name}.log`),
      // controller-runtime reads KUBECONFIG; RUNTIME_NAMESPACE is where Flux thinks it runs.
      env: { ...process.env, KUBECONFIG: cluster.kubeconfigPath, RUNTIME_NAMESPACE: FLUX_NAMESPACE },
    });
    cluster.adopt(controller);
    processes.push(controller);
  }
  const flux: RunningFlux = {
    processes,
    async stop() {
      await Promise.all(processes.map((p) => stopProcessGroup(p.pid, 10_000)));
    },
    logTail(name, lines = 30) {
      const p = processes.find((q) => q.name === name);
      return p ? tail(p.logPath, lines) : '';
    },
  };
  try {
    for (const url of health) {
      await pollUntil(async () => (await fetch(url).catch(() => undefined))?.ok ?? false, {
        description: `${url} of a Flux controller`,
        timeoutMs: 60_000,
        diagnose: () => processes.map((p) => `${p.name}:\n${tail(p.logPath, 10)}`).join('\n'),
      });
    }
  } catch (err) {
    await flux.stop();
    throw err;
  }
  return flux;
}

function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
