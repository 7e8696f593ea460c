import { mkdirSync, openSync, closeSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isProcessAlive } from '../lib/processes.ts';

/**
 * A /16 of the loopback network that one cluster's pods get their addresses
 * from: 127.<block>.0.0/16. Several clusters on one machine (a cluster:up
 * next to a test run, tests of several people) would otherwise hand out the
 * same pod IPs and their processes would collide on ports. Claims are lock
 * files holding the owner's pid; a claim whose owner is gone is taken over.
 * 127.0.0.0/16 stays with the control plane.
 */
export interface AddressBlock {
  /** The second octet: pods get 127.<block>.x.y */
  block: number;
  release(): void;
}

const LOCK_DIR = join(tmpdir(), 'modelship-pod-networks');

export function claimAddressBlock(lockDir = LOCK_DIR): AddressBlock {
  mkdirSync(lockDir, { recursive: true });
  const start = 1 + Math.floor(Math.random() * 254);
  for (let i = 0; i < 254; i++) {
    const block = 1 + ((start - 1 + i) % 254);
    const path = join(lockDir, `127.${block}.lock`);
    if (tryClaim(path)) {
      return { block, release: () => rmSync(path, { force: true }) };
    }
  }
  throw new Error(`all 254 loopback address blocks are claimed (see ${lockDir})`);
}

function tryClaim(path: string): boolean {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(readSafe(path));
      if (Number.isInteger(owner) && owner > 0 && isProcessAlive(owner)) return false;
      // The owner is gone: take the block over.
      rmSync(path, { force: true });
    }
  }
  return false;
}

function readSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}
