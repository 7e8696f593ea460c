import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isProcessAlive } from '../lib/processes.ts';
import { MAX_NETWORKS } from './addresses.ts';

/**
 * A cluster's network index, claimed machine-wide so that clusters of parallel test files and of other
 * checkouts never share addresses or namespace names. A claim is a lock file holding the owner's pid;
 * a claim whose owner is gone is taken over, and `takenOver` tells the new owner to sweep what the dead
 * one left behind.
 */
export interface NetworkClaim {
  index: number;
  takenOver: boolean;
  release(): void;
}

export const NETWORK_LOCK_DIR = join(tmpdir(), 'modelship-networks');

export function claimNetworkIndex(lockDir = NETWORK_LOCK_DIR): NetworkClaim {
  mkdirSync(lockDir, { recursive: true });
  const start = Math.floor(Math.random() * MAX_NETWORKS);
  for (let i = 0; i < MAX_NETWORKS; i++) {
    const index = (start + i) % MAX_NETWORKS;
    const path = join(lockDir, `${index}.lock`);
    const claimed = tryClaim(path);
    if (claimed !== undefined) return { index, takenOver: claimed === 'taken over', release: () => rmSync(path, { force: true }) };
  }
  throw new Error(`all ${MAX_NETWORKS} cluster networks are claimed (see ${lockDir})`);
}

function tryClaim(path: string): 'new' | 'taken over' | undefined {
  let takenOver = false;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return takenOver ? 'taken over' : 'new';
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(readSafe(path));
      if (Number.isInteger(owner) && owner > 0 && isProcessAlive(owner)) return undefined;
      rmSync(path, { force: true });
      takenOver = true;
    }
  }
  return undefined;
}

function readSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}
