import type { Guardian } from '../lib/guardian.ts';
import { quoteLogTail } from '../lib/log-tail.ts';
import { spawnLogged, stopProcessGroup } from '../lib/processes.ts';
import type { ManagedProcess } from '../lib/processes.ts';
import { FatalWaitError, pollUntil } from '../lib/wait.ts';

export interface ComponentLaunch {
  /** etcd, kube-apiserver, … */
  name: string;
  binary: string;
  args: string[];
  logPath: string;
  /** One readiness check; true when ready. */
  isReady: () => Promise<boolean>;
  /** "etcd /health to report healthy" */
  readiness: string;
  timeoutMs: number;
  guardian: Guardian;
  onProgress: (line: string) => void;
}

/**
 * Starts one control-plane component and waits until it is ready. Fails fast
 * with its log's last lines if it exits, and with a timeout that names the
 * log if it never gets ready; either way nothing is left running.
 */
export async function startComponent(launch: ComponentLaunch): Promise<ManagedProcess> {
  const started = Date.now();
  launch.onProgress(`starting ${launch.name}`);
  const process = spawnLogged({ name: launch.name, command: launch.binary, args: launch.args, logPath: launch.logPath });
  launch.guardian.watch(process.pid);
  try {
    await pollUntil(
      async () => {
        if (process.exitInfo) {
          const how = process.exitInfo.signal ? `signal ${process.exitInfo.signal}` : `code ${process.exitInfo.code}`;
          throw new FatalWaitError(new Error(`${launch.name} exited (${how}) before it was ready; ${quoteLogTail(launch.logPath)}`));
        }
        return launch.isReady();
      },
      {
        description: `${launch.readiness}`,
        timeoutMs: launch.timeoutMs,
        intervalMs: 200,
        diagnose: () => quoteLogTail(launch.logPath),
      },
    );
  } catch (error) {
    await stopProcessGroup(process.pid, 3000);
    launch.guardian.forget(process.pid);
    throw error;
  }
  launch.onProgress(`${launch.name} ready in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  return process;
}
