// The background process behind `npm run cluster:up`: starts the cluster
// (control plane, nodes, kubelet) in its directory, records its state, and
// stops everything on SIGTERM/SIGINT. Its stdout is <dir>/supervisor.log.
//   node proving-ground/supervisor.ts --dir <dir> --nodes <n> [--binary <path>]
import { parseArgs } from 'node:util';
import { startCluster } from './cluster.ts';
import type { Cluster } from './cluster.ts';
import { readState, writeState } from './cluster-state.ts';
import type { SupervisorState } from './cluster-state.ts';
import { describeError } from './lib/wait.ts';

const { values } = parseArgs({
  options: { dir: { type: 'string' }, nodes: { type: 'string', default: '1' }, binary: { type: 'string' } },
});
if (!values.dir) {
  console.error('usage: supervisor.ts --dir <dir> [--nodes N] [--binary PATH]');
  process.exit(2);
}
const dir = values.dir;
const log = (line: string): void => console.log(`${new Date().toISOString()} ${line}`);
const state: SupervisorState = { pid: process.pid, phase: 'starting', dir, startedAt: new Date().toISOString() };
writeState(state);

let cluster: Cluster | undefined;
let stopping = false;

async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log(`${signal}: stopping the cluster`);
  writeState({ ...(readState(dir) ?? state), phase: 'stopping' });
  try {
    await cluster?.stop();
    log('cluster stopped');
    writeState({ ...(readState(dir) ?? state), phase: 'stopped' });
    process.exit(0);
  } catch (error) {
    log(`stop failed: ${describeError(error)}`);
    process.exit(1);
  }
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGHUP', () => {});

try {
  cluster = await startCluster({ dir, nodes: Number(values.nodes), binary: values.binary, onProgress: log });
  if (stopping) await cluster.stop();
  writeState({
    ...state,
    phase: 'ready',
    readyAt: new Date().toISOString(),
    server: cluster.server,
    kubeconfigPath: cluster.kubeconfigPath,
    auditLogPath: cluster.auditLogPath,
    components: cluster.components,
  });
  log('ready');
  // The kubelet, node leases and provisioner keep the event loop busy from here on.
  setInterval(() => {}, 1 << 30);
} catch (error) {
  log(describeError(error));
  writeState({ ...state, phase: 'failed', error: describeError(error) });
  process.exit(1);
}
