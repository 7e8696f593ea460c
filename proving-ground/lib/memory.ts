import { readFileSync } from 'node:fs';

/** Resident set size of a process in bytes (Linux /proc), 0 if unknown. */
export function residentMemoryBytes(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}
