// The README promises that `npm ci && npm run demo` (and `npm test`) set a fresh machine up by themselves.
// The proving ground needs a few programs no npm package provides (buildah and debootstrap to build images
// here; iproute2, util-linux's nsenter and iptables for the pod network); on Debian or Ubuntu, run as root — which the kubelet needs anyway — they are
// installed with apt-get the first time, as a setup script would. Anywhere else the error names what to install.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A program the proving ground runs, and the Debian package that provides it. */
export interface HostProgram {
  command: string;
  debianPackage: string;
}

export async function isOnPath(command: string): Promise<boolean> {
  try {
    await run('sh', ['-c', `command -v ${command}`]);
    return true;
  } catch {
    return false;
  }
}

/** The packages to install so that every program is on the PATH. Pure apart from the PATH lookups. */
export async function missingPackages(programs: readonly HostProgram[]): Promise<string[]> {
  const missing: string[] = [];
  for (const p of programs) if (!(await isOnPath(p.command)) && !missing.includes(p.debianPackage)) missing.push(p.debianPackage);
  return missing;
}

/** Installs what is missing with apt-get when that is possible here; otherwise fails saying what to install. */
export async function ensureHostPrograms(programs: readonly HostProgram[], say: (line: string) => void): Promise<void> {
  const packages = await missingPackages(programs);
  if (packages.length === 0) return;
  const canInstall = process.getuid?.() === 0 && (await isOnPath('apt-get'));
  if (!canInstall) {
    throw new Error(`missing ${packages.join(', ')}: install them (on Debian or Ubuntu: sudo apt-get install -y ${packages.join(' ')}) and run again`);
  }
  say(`installing ${packages.join(', ')} with apt-get (first run on this machine)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await run('apt-get', ['update', '-qq'], { env, maxBuffer: 64 * 1024 * 1024 });
  await run('apt-get', ['install', '-y', '-qq', ...packages], { env, maxBuffer: 64 * 1024 * 1024 });
}
