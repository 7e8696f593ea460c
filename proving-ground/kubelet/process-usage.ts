// CPU and memory of a container, read from the kernel's accounting of its processes. The local kubelet
// gives containers no cgroup of their own (this machine has a cgroup v1/v2 hybrid that a container host
// may not let us write, and CI runs on such hosts), but each container start is a process group of its own
// (container-runner.ts spawns it detached), so the group's members are the container's processes: the
// sandbox wrapper (a few hundred kB, where a real node's shim sits outside the container's cgroup) and the
// container's program with whatever it forks.
//
// CPU: utime + stime of every member, plus cutime + cstime (children the members have reaped), so a
// worker that exits still counts, as in a cgroup's cpuacct. Memory: the members' resident set (VmRSS),
// which is what a cgroup's working set approximates for processes without much page cache.
import { readdirSync, readFileSync } from 'node:fs';
import { procStatFields } from '../lib/processes.ts';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on every Linux architecture we run on). */
const CLOCK_TICKS_PER_SECOND = 100;

export interface ProcessGroupUsage {
  cpuSeconds: number;
  memoryBytes: number;
}

interface ProcessReading {
  processGroup: number;
  cpuTicks: number;
  memoryBytes: number;
}

function readProcess(pid: string): ProcessReading | undefined {
  try {
    // utime, stime, cutime and cstime are fields 11-14 counted from the state.
    const fields = procStatFields(pid);
    if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
    const cpuTicks = [11, 12, 13, 14].reduce((sum, index) => sum + Number(fields[index] ?? 0), 0);
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rssKb = Number(/^VmRSS:\s+(\d+)\s+kB$/m.exec(status)?.[1] ?? 0);
    return { processGroup: Number(fields[2]), cpuTicks, memoryBytes: rssKb * 1024 };
  } catch {
    return undefined; // gone between the listing and the read
  }
}

/** The usage of each of `processGroups` (groups with no live member are left out), from one pass over /proc. */
export function processGroupUsage(processGroups: Iterable<number>): Map<number, ProcessGroupUsage> {
  const wanted = new Set(processGroups);
  const ticks = new Map<number, { cpuTicks: number; memoryBytes: number }>();
  if (wanted.size === 0) return new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const reading = readProcess(entry);
    if (!reading || !wanted.has(reading.processGroup)) continue;
    const total = ticks.get(reading.processGroup) ?? { cpuTicks: 0, memoryBytes: 0 };
    total.cpuTicks += reading.cpuTicks;
    total.memoryBytes += reading.memoryBytes;
    ticks.set(reading.processGroup, total);
  }
  return new Map(
    [...ticks].map(([group, total]) => [group, { cpuSeconds: total.cpuTicks / CLOCK_TICKS_PER_SECOND, memoryBytes: total.memoryBytes }]),
  );
}
