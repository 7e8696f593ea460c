import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { delay } from '../lib/wait.ts';
import { processGroupUsage } from './process-usage.ts';

test('a busy process group reports CPU time that grows, and its resident memory', async (t) => {
  // A shell that spins, in a process group of its own, as a container start is.
  const busy = spawn('/bin/sh', ['-c', 'while :; do :; done'], { detached: true, stdio: 'ignore' });
  t.after(() => process.kill(-busy.pid!, 'SIGKILL'));
  const group = busy.pid!;
  await delay(300);
  const first = processGroupUsage([group]).get(group);
  await delay(2000);
  const second = processGroupUsage([group]).get(group);
  assert.ok(first && second, 'the group is found');
  // A spinning shell gets a core's worth unless the machine is crowded; 5 clock ticks are growth all the same.
  assert.ok(second.cpuSeconds - first.cpuSeconds >= 0.05, `CPU grew from ${first.cpuSeconds}s to ${second.cpuSeconds}s`);
  assert.ok(second.memoryBytes > 100 * 1024, `resident memory ${second.memoryBytes} bytes`);
});

test('an idle process group uses next to no CPU, and unknown groups are left out', async (t) => {
  const idle = spawn('/bin/sh', ['-c', 'sleep 30'], { detached: true, stdio: 'ignore' });
  t.after(() => process.kill(-idle.pid!, 'SIGKILL'));
  await delay(200);
  const first = processGroupUsage([idle.pid!]).get(idle.pid!);
  await delay(1000);
  const usage = processGroupUsage([idle.pid!, 999_999_999]);
  assert.ok(first && usage.has(idle.pid!));
  assert.ok(usage.get(idle.pid!)!.cpuSeconds - first.cpuSeconds < 0.1);
  assert.equal(usage.has(999_999_999), false);
});
