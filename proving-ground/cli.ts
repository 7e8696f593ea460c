// npm run cluster:up / cluster:down / node proving-ground/cli.ts status
//
//   up [--nodes N] [--dir D]   build the control plane once, start a cluster in
//                              the background, print `export KUBECONFIG=…`
//   down [--dir D]             stop it and check that no process is left
//   status [--dir D]           state, processes and their memory
//
// Progress goes to stderr, the export line to stdout, so
// `eval "$(npm run -s cluster:up)"` works.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureControlPlaneBinary } from './build-controlplane.ts';
import { DEFAULT_CLUSTER_DIR, readState, stateFile } from './cluster-state.ts';
import { quoteLogTail } from './lib/log-tail.ts';
import { isProcessAlive, processesWithCommandLineContaining } from './lib/processes.ts';
import { residentMemoryBytes } from './lib/memory.ts';
import { delay, describeError } from './lib/wait.ts';

const supervisorScript = fileURLToPath(new URL('./supervisor.ts', import.meta.url));
const say = (line: string): void => void process.stderr.write(`${line}\n`);

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { dir: { type: 'string' }, nodes: { type: 'string', default: '1' } },
});
const command = positionals[0];
const dir = resolve(values.dir ?? DEFAULT_CLUSTER_DIR);
const supervisorLog = `${dir}/supervisor.log`;

/** After the (possibly long) build; the supervisor's own steps have tighter timeouts. */
const UP_TIMEOUT_MS = 10 * 60_000;

async function up(): Promise<number> {
  const existing = readState(dir);
  if (existing && isProcessAlive(existing.pid) && existing.phase === 'ready') {
    say(`a cluster is already running (supervisor ${existing.pid}, ${existing.server})`);
    process.stdout.write(`export KUBECONFIG=${existing.kubeconfigPath}\n`);
    return 0;
  }
  if (existing && isProcessAlive(existing.pid)) {
    say(`a cluster is ${existing.phase} (supervisor ${existing.pid}); run cluster:down first`);
    return 1;
  }
  await sweep();

  const started = Date.now();
  const binary = process.env.MODELSHIP_CONTROLPLANE_BINARY || (await ensureControlPlaneBinary({ onProgress: say }));
  const supervisorStarted = Date.now();
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const logFd = openSync(supervisorLog, 'a');
  const child = spawn(process.execPath, [supervisorScript, '--dir', dir, '--nodes', values.nodes!, '--binary', binary], {
    detached: true,
    stdio: ['ignore', logFd, logFd],
  });
  closeSync(logFd);
  child.unref();
  const pid = child.pid ?? -1;

  // Relay the supervisor's progress until it is ready, fails or dies.
  let shown = 0;
  const relay = (): void => {
    if (!existsSync(supervisorLog)) return;
    const text = readFileSync(supervisorLog, 'utf8');
    const end = text.lastIndexOf('\n') + 1;
    if (end <= shown) return;
    for (const line of text.slice(shown, end).split('\n').filter(Boolean)) say(line.replace(/^\S+Z /, ''));
    shown = end;
  };
  while (Date.now() - supervisorStarted < UP_TIMEOUT_MS) {
    relay();
    const state = readState(dir);
    if (state?.phase === 'ready') {
      say(`cluster up in ${((Date.now() - started) / 1000).toFixed(1)}s (supervisor pid ${pid}); stop it with npm run cluster:down`);
      process.stdout.write(`export KUBECONFIG=${state.kubeconfigPath}\n`);
      return 0;
    }
    if (state?.phase === 'failed' || !isProcessAlive(pid)) {
      say(`cluster:up failed. ${state?.error ?? quoteLogTail(supervisorLog)}`);
      await sweep();
      return 1;
    }
    await delay(250);
  }
  say(`cluster:up timed out after ${UP_TIMEOUT_MS / 60_000} min; ${quoteLogTail(supervisorLog)}`);
  await down();
  return 1;
}

async function down(): Promise<number> {
  const state = readState(dir);
  if (state && isProcessAlive(state.pid)) {
    say(`stopping supervisor ${state.pid}`);
    process.kill(state.pid, 'SIGTERM');
    const deadline = Date.now() + 90_000;
    while (isProcessAlive(state.pid) && Date.now() < deadline) await delay(200);
    if (isProcessAlive(state.pid)) {
      say('supervisor did not stop within 90s; killing it');
      process.kill(state.pid, 'SIGKILL');
    }
  } else if (!state) {
    say(`no cluster state in ${dir}`);
  }
  const left = await sweep();
  if (left.length > 0) {
    say(`processes still running after SIGKILL:\n${left.join('\n')}`);
    return 1;
  }
  rmSync(stateFile(dir), { force: true });
  say('cluster stopped; no process left');
  return 0;
}

/** Stops anything whose command line names a path in the cluster directory; returns what survived. */
async function sweep(): Promise<string[]> {
  const pattern = `${dir}/`;
  let found = processesWithCommandLineContaining(pattern);
  if (found.length === 0) return [];
  say(`stopping ${found.length} leftover process(es) of ${dir}`);
  for (const { pid } of found) signal(pid, 'SIGTERM');
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && (found = processesWithCommandLineContaining(pattern)).length > 0) await delay(200);
  for (const { pid } of found) signal(pid, 'SIGKILL');
  await delay(500);
  return processesWithCommandLineContaining(pattern).map((entry) => `${entry.pid} ${entry.commandLine}`);
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // gone
  }
}

function status(): number {
  const state = readState(dir);
  if (!state) {
    say(`no cluster in ${dir}`);
    return 1;
  }
  const alive = isProcessAlive(state.pid);
  console.log(`phase: ${state.phase}${alive ? '' : ' (supervisor not running)'}`);
  console.log(`server: ${state.server ?? '-'}`);
  console.log(`kubeconfig: ${state.kubeconfigPath ?? '-'}`);
  console.log(`audit log: ${state.auditLogPath ?? '-'}${state.auditLogPath && existsSync(state.auditLogPath) ? ` (${statSync(state.auditLogPath).size} bytes)` : ''}`);
  // Every process naming the directory: supervisor (kubelet, node agent), guardian, components, pods.
  const processes = processesWithCommandLineContaining(dir);
  let total = 0;
  for (const { pid, commandLine } of processes) {
    if (!isProcessAlive(pid)) continue;
    const rss = residentMemoryBytes(pid);
    total += rss;
    console.log(`${String(pid).padStart(8)} ${(rss / 2 ** 20).toFixed(0).padStart(6)} MiB  ${commandLine.slice(0, 110)}`);
  }
  console.log(`total resident memory: ${(total / 2 ** 20).toFixed(0)} MiB`);
  return 0;
}

try {
  let code: number;
  if (command === 'up') code = await up();
  else if (command === 'down') code = await down();
  else if (command === 'status') code = status();
  else {
    say('usage: node proving-ground/cli.ts up|down|status [--dir DIR] [--nodes N]');
    code = 2;
  }
  process.exit(code);
} catch (error) {
  say(`cluster ${command} failed: ${describeError(error)}`);
  process.exit(1);
}
