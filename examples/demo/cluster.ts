// The demo's cluster: the proving ground (proving-ground) in a directory of its own.
//
// By default the cluster runs inside the demo's process (startCluster), so it goes away with the demo
// whatever happens — a guardian stops every process of it even if the demo is killed. With --keep the
// cluster must outlive the demo, so it runs under the background supervisor of `npm run cluster:up`
// instead, and `npm run cluster:down -- --dir <dir>` stops it later.
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, startCluster } from '../../proving-ground/cluster.ts';
import { clusterLayout } from '../../proving-ground/cluster-layout.ts';
import { readState } from '../../proving-ground/cluster-state.ts';
import { isProcessAlive, processesWithCommandLineContaining } from '../../proving-ground/lib/processes.ts';
import { DemoError } from './say.ts';

export interface DemoCluster {
  dir: string;
  kubeconfigPath: string;
  /** One directory per pod; each holds logs/<container>/<restart>.log. */
  podsDir: string;
  /** Control-plane and kubelet logs. */
  logsDir: string;
  /** PersistentVolumeClaims are directories here: <pvcDir>/<namespace>/<claim>. */
  pvcDir: string;
  /** True when the cluster runs under the background supervisor and outlives the demo. */
  background: boolean;
  stop(): Promise<void>;
}

const CLI = join(REPO_ROOT, 'proving-ground', 'cli.ts');

export async function startDemoCluster(options: { dir: string; keep: boolean; onProgress: (line: string) => void }): Promise<DemoCluster> {
  const { dir } = options;
  const layout = clusterLayout(dir);
  const state = readState(dir);
  if ((state && isProcessAlive(state.pid)) || processesWithCommandLineContaining(`${dir}/`).length > 0) {
    throw new DemoError(`a cluster from an earlier run is still running in ${dir}`, [
      `stop it with: npm run cluster:down -- --dir ${dir}`,
    ]);
  }
  if (!options.keep) {
    rmSync(dir, { recursive: true, force: true });
    const cluster = await startCluster({ dir, nodes: 1, onProgress: options.onProgress });
    return {
      dir,
      kubeconfigPath: cluster.kubeconfigPath,
      podsDir: layout.podsDir,
      logsDir: layout.logsDir,
      pvcDir: layout.pvcDir,
      background: false,
      stop: () => cluster.stop(),
    };
  }

  // --keep: `node proving-ground/cli.ts up --dir <dir>` prints progress on stderr and the export line on stdout.
  const { code, stdout } = await runCli(['up', '--dir', dir], options.onProgress);
  const kubeconfigPath = /export KUBECONFIG=(\S+)/.exec(stdout)?.[1];
  if (code !== 0 || !kubeconfigPath || !existsSync(kubeconfigPath)) {
    throw new DemoError(`the background cluster did not start (cluster:up exited ${code})`, [`supervisor log: ${join(dir, 'supervisor.log')}`]);
  }
  return {
    dir,
    kubeconfigPath,
    podsDir: layout.podsDir,
    logsDir: layout.logsDir,
    pvcDir: layout.pvcDir,
    background: true,
    stop: async () => {
      const result = await runCli(['down', '--dir', dir], options.onProgress);
      if (result.code !== 0) throw new Error(`cluster:down exited ${result.code}`);
    },
  };
}

function runCli(args: string[], onLine: (line: string) => void): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let pending = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) onLine(line);
    });
    child.once('error', reject);
    child.once('close', (code) => {
      if (pending.trim()) onLine(pending);
      resolve({ code: code ?? 1, stdout });
    });
  });
}
