import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Runs iproute2's `ip` with the given arguments; a failure carries ip's own message. */
export async function ip(...args: string[]): Promise<string> {
  try {
    const { stdout } = await run('ip', args, { encoding: 'utf8' });
    return stdout;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(`ip ${args.join(' ')}: ${stderr || (error as Error).message}`);
  }
}

/** Like ip(), for removals of things that may already be gone. */
export async function ipQuietly(...args: string[]): Promise<void> {
  try {
    await ip(...args);
  } catch {
    // already gone
  }
}

/** Runs a shell command line inside a named network namespace (for its per-namespace sysctls). */
export async function inNetns(netns: string, script: string): Promise<void> {
  await ip('netns', 'exec', netns, 'sh', '-c', script);
}

/** Names of the network namespaces under /run/netns. */
export async function listNetns(): Promise<string[]> {
  const out = await ip('netns', 'list');
  return out
    .split('\n')
    .map((line) => line.split(' ')[0]!)
    .filter(Boolean);
}
