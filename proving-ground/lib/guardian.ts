import { spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { isProcessAlive } from './processes.ts';
import { delay } from './wait.ts';

const guardianScript = fileURLToPath(new URL('./guardian.sh', import.meta.url));

/**
 * A handle on the guardian process: tell it about every process group you
 * start; call release() after a clean stop. If this process dies first, the
 * guardian stops the groups itself.
 */
export interface Guardian {
  pid: number;
  watch(processGroup: number): void;
  forget(processGroup: number): void;
  release(): Promise<void>;
}

export function startGuardian(clusterDir: string): Guardian {
  const child = spawn('/bin/sh', [guardianScript, clusterDir], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  const stdin = child.stdin as unknown as Socket;
  // Neither the child nor its pipe may keep our event loop alive.
  child.unref();
  stdin.unref();
  stdin.on('error', () => {});
  const pid = child.pid ?? -1;
  const send = (line: string): void => {
    if (!stdin.destroyed) stdin.write(`${line}\n`);
  };
  return {
    pid,
    watch: (processGroup) => send(`watch ${processGroup}`),
    forget: (processGroup) => send(`forget ${processGroup}`),
    async release() {
      send('release');
      stdin.end();
      const deadline = Date.now() + 5000;
      while (pid > 0 && isProcessAlive(pid) && Date.now() < deadline) await delay(50);
      if (pid > 0 && isProcessAlive(pid)) process.kill(pid, 'SIGKILL');
    },
  };
}
