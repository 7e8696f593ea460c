// What the proving ground's builds of other projects' Go modules (Flux, metrics-server) share: the go
// command with a pinned environment, and a module's directory in Go's module cache.
import { execFile } from 'node:child_process';
import { access } from 'node:fs/promises';
import os from 'node:os';
import { promisify } from 'node:util';

const run = promisify(execFile);
const BUILD_TIMEOUT_MS = 40 * 60_000;

/** The local toolchain only, no workspace, static binaries, no VCS stamping (the module cache has no .git). */
function goEnv(): NodeJS.ProcessEnv {
  return { ...process.env, GOTOOLCHAIN: 'local', GOWORK: 'off', CGO_ENABLED: '0', GOFLAGS: '-buildvcs=false' };
}

/** Runs `go args` in `cwd`; `what` names what is being built, for the error a missing Go gives. */
export async function go(args: string[], cwd: string, what: string): Promise<string> {
  try {
    const { stdout } = await run('go', args, { cwd, env: goEnv(), timeout: BUILD_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const e = err as Error & { stderr?: string; code?: string };
    if (e.code === 'ENOENT') throw new Error(`\`go\` was not found on PATH; ${what} is built from source (https://go.dev/dl/)`);
    throw new Error(`go ${args.join(' ')} (in ${cwd}) failed: ${e.stderr?.trim().split('\n').slice(-20).join('\n') ?? e.message}`);
  }
}

/** Downloads a module into the module cache and returns its directory there. */
export async function moduleDir(module: string, version: string, what: string): Promise<string> {
  const info = JSON.parse(await go(['mod', 'download', '-json', `${module}@${version}`], os.tmpdir(), what)) as { Dir?: string; Error?: string };
  if (!info.Dir) throw new Error(`go mod download ${module}@${version}: ${info.Error ?? 'no directory'}`);
  return info.Dir;
}

export async function fileExists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}
