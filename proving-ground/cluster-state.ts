// The state file of a background cluster (npm run cluster:up), shared by the
// CLI and the supervisor process.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './cluster.ts';

export const DEFAULT_CLUSTER_DIR = join(REPO_ROOT, '.cache', 'cluster');

export interface SupervisorState {
  pid: number;
  phase: 'starting' | 'ready' | 'failed' | 'stopping' | 'stopped';
  dir: string;
  startedAt: string;
  readyAt?: string;
  server?: string;
  kubeconfigPath?: string;
  auditLogPath?: string;
  components?: Array<{ name: string; pid: number; logPath: string }>;
  error?: string;
}

export function stateFile(dir: string): string {
  return join(dir, 'supervisor.json');
}

export function readState(dir: string): SupervisorState | undefined {
  const path = stateFile(dir);
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as SupervisorState;
  } catch {
    return undefined;
  }
}

export function writeState(state: SupervisorState): void {
  const path = stateFile(state.dir);
  writeFileSync(`${path}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
}
