import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface RunningServer {
  pid: number;
  /** Resident memory of the server and all its child processes (gunicorn's workers), in MiB. */
  rssMiB(): number;
  /** CPU seconds (user + system) the server and its child processes have used so far. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** Starts a server process and waits until `readyUrl` answers 200. */
export async function spawnServer(command: string, args: string[], readyUrl: string, env: NodeJS.ProcessEnv = {}): Promise<RunningServer> {
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${command} exited early (${child.exitCode}): ${stderr}`);
    try {
      const response = await fetch(readyUrl);
      if (response.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${command} did not become ready: ${stderr}`);
    }
    await sleep(200);
  }
  return {
    pid: child.pid!,
    rssMiB: () => sumOverTree(child.pid!, statusRssKiB) / 1024,
    cpuSeconds: () => sumOverTree(child.pid!, cpuTicks) / CLOCK_TICKS_PER_SECOND,
    stop: () => stop(child),
  };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

// Linux reports CPU time in clock ticks of 1/100 s on every architecture Node runs on.
const CLOCK_TICKS_PER_SECOND = 100;

function sumOverTree(pid: number, measure: (pid: number) => number): number {
  let total = 0;
  try {
    total += measure(pid);
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    for (const child of children === '' ? [] : children.split(/\s+/)) total += sumOverTree(Number(child), measure);
  } catch {
    // the process ended between listing and reading
  }
  return total;
}

function statusRssKiB(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
}

/** utime + stime from /proc/<pid>/stat; the command name in field 2 may contain spaces, so split after it. */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}
