import { spawn, execFileSync } from 'node:child_process';
import { accessSync, closeSync, constants, mkdirSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { delay } from './wait.ts';

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ManagedProcess {
  name: string;
  pid: number;
  logPath: string;
  /** Settles when the process exits (never rejects). */
  exit: Promise<ExitInfo>;
  /** Set once it has exited. */
  exitInfo: ExitInfo | undefined;
}

export interface SpawnLoggedOptions {
  name: string;
  command: string;
  args: string[];
  logPath: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/**
 * Starts a process in its own process group (so stopping it also stops
 * anything it forks, and a Ctrl-C meant for us does not reach it), with
 * stdout and stderr appended to `logPath`.
 */
export function spawnLogged(options: SpawnLoggedOptions): ManagedProcess {
  if (options.command.includes('/')) {
    try {
      accessSync(options.command, constants.X_OK);
    } catch (error) {
      throw new Error(`cannot start ${options.name}: ${options.command} is not an executable file (${(error as NodeJS.ErrnoException).code})`);
    }
  }
  mkdirSync(dirname(options.logPath), { recursive: true });
  const logFd = openSync(options.logPath, 'a');
  try {
    const child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: true,
      stdio: ['ignore', logFd, logFd],
    });
    if (child.pid === undefined) {
      // spawn reports the reason asynchronously as an 'error' event; keep it from crashing us.
      child.on('error', () => {});
      throw new Error(`could not start ${options.name} (${options.command})`);
    }
    const managed: ManagedProcess = {
      name: options.name,
      pid: child.pid,
      logPath: options.logPath,
      exitInfo: undefined,
      exit: new Promise((resolve) => {
        child.on('exit', (code, signal) => {
          managed.exitInfo = { code, signal };
          resolve(managed.exitInfo);
        });
        child.on('error', () => {
          managed.exitInfo ??= { code: 127, signal: null };
          resolve(managed.exitInfo);
        });
      }),
    };
    // Our own event loop must not wait for component processes.
    child.unref();
    return managed;
  } finally {
    closeSync(logFd);
  }
}

interface ProcStat {
  pid: number;
  state: string;
  parentPid: number;
  processGroup: number;
}

/**
 * The fields of /proc/<pid>/stat after the command name, from the state on ("state ppid pgrp session tty
 * tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime ..."): the name may hold spaces and
 * parentheses, so fields are counted from the last ')'. Throws when the process is gone.
 */
export function procStatFields(pid: number | string): string[] {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
}

function readProcStat(pid: number): ProcStat | undefined {
  try {
    const fields = procStatFields(pid);
    return { pid, state: fields[0] ?? '?', parentPid: Number(fields[1]), processGroup: Number(fields[2]) };
  } catch {
    return undefined;
  }
}

const hasProc = (() => {
  try {
    readdirSync('/proc/self');
    return true;
  } catch {
    return false;
  }
})();

function allPids(): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number);
}

/** Zombies (exited, not yet reaped by their parent) do not count as alive. */
export function isProcessAlive(pid: number): boolean {
  if (hasProc) {
    const stat = readProcStat(pid);
    return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X';
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Live members of a process group. */
export function processGroupMembers(processGroup: number): number[] {
  if (hasProc) {
    return allPids().filter((pid) => {
      const stat = readProcStat(pid);
      return stat !== undefined && stat.processGroup === processGroup && stat.state !== 'Z' && stat.state !== 'X';
    });
  }
  try {
    process.kill(-processGroup, 0);
    return [processGroup];
  } catch {
    return [];
  }
}

function signalGroup(processGroup: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-processGroup, signal);
  } catch {
    // Already gone.
  }
}

/**
 * SIGTERM to the whole group, up to `graceMs` to exit, then SIGKILL.
 * Resolves true when no member is left.
 */
export async function stopProcessGroup(processGroup: number, graceMs: number): Promise<boolean> {
  if (processGroupMembers(processGroup).length === 0) return true;
  signalGroup(processGroup, 'SIGTERM');
  const termDeadline = Date.now() + graceMs;
  while (Date.now() < termDeadline) {
    if (processGroupMembers(processGroup).length === 0) return true;
    await delay(50);
  }
  signalGroup(processGroup, 'SIGKILL');
  const killDeadline = Date.now() + 5000;
  while (Date.now() < killDeadline) {
    if (processGroupMembers(processGroup).length === 0) return true;
    await delay(50);
  }
  return false;
}

/** Processes (other than this one) whose command line contains `text`. */
export function processesWithCommandLineContaining(text: string): Array<{ pid: number; commandLine: string }> {
  if (!hasProc) {
    try {
      const out = execFileSync('pgrep', ['-fl', text], { encoding: 'utf8' });
      return out
        .split('\n')
        .filter(Boolean)
        .map((line) => ({ pid: Number(line.split(' ')[0]), commandLine: line.slice(line.indexOf(' ') + 1) }))
        .filter((entry) => entry.pid !== process.pid);
    } catch {
      return [];
    }
  }
  const found: Array<{ pid: number; commandLine: string }> = [];
  for (const pid of allPids()) {
    if (pid === process.pid) continue;
    try {
      const commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
      if (commandLine.includes(text) && isProcessAlive(pid)) found.push({ pid, commandLine });
    } catch {
      // It exited while we looked.
    }
  }
  return found;
}
