// Builds (once) and caches metrics-server from its Go module at the release below, the way
// build-controlplane.ts and flux/build-flux.ts build theirs: the module comes from the Go module proxy into
// the module cache, the binary goes to ~/.cache/modelship (or $MODELSHIP_CACHE_DIR), keyed on the version,
// the Go toolchain and the recipe. Nothing fetched is committed.
//
// Usage as a script: node proving-ground/metrics-server/build-metrics-server.ts  (prints the binary's path)
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { access, cp, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { modelshipCacheDir, sharedBuild } from '../lib/build-cache.ts';

const run = promisify(execFile);

const MODULE = 'sigs.k8s.io/metrics-server';
/** The newest release that builds with the Go toolchain of this machine (v0.9.0 was not tried). */
export const METRICS_SERVER_VERSION = 'v0.8.0';
const RECIPE = 'v1 CGO_ENABLED=0 -trimpath -ldflags=-s -w ./cmd/metrics-server';
const BUILD_TIMEOUT_MS = 40 * 60_000;

function goEnv(): NodeJS.ProcessEnv {
  return { ...process.env, GOTOOLCHAIN: 'local', GOWORK: 'off', CGO_ENABLED: '0', GOFLAGS: '-buildvcs=false' };
}

async function go(args: string[], cwd: string): Promise<string> {
  try {
    const { stdout } = await run('go', args, { cwd, env: goEnv(), timeout: BUILD_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const e = err as Error & { stderr?: string; code?: string };
    if (e.code === 'ENOENT') throw new Error('`go` was not found on PATH; metrics-server is built from source (https://go.dev/dl/)');
    throw new Error(`go ${args.join(' ')} (in ${cwd}) failed: ${e.stderr?.trim().split('\n').slice(-20).join('\n') ?? e.message}`);
  }
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

async function build(output: string, onProgress: (line: string) => void): Promise<void> {
  const info = JSON.parse(await go(['mod', 'download', '-json', `${MODULE}@${METRICS_SERVER_VERSION}`], os.tmpdir())) as { Dir?: string; Error?: string };
  if (!info.Dir) throw new Error(`go mod download ${MODULE}@${METRICS_SERVER_VERSION}: ${info.Error ?? 'no directory'}`);
  // The module cache is read-only and `go build -mod=mod` may need to touch go.sum: build in a copy.
  const work = await mkdtemp(path.join(path.dirname(output), 'build-metrics-server-'));
  try {
    await cp(info.Dir, work, { recursive: true });
    await run('chmod', ['-R', 'u+w', work]);
    const started = Date.now();
    onProgress(`building metrics-server ${METRICS_SERVER_VERSION}...`);
    const tmp = `${output}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    await go(['build', '-mod=mod', '-trimpath', '-ldflags=-s -w', '-o', tmp, './cmd/metrics-server'], work);
    await rename(tmp, output);
    onProgress(`built metrics-server in ${Math.round((Date.now() - started) / 1000)}s`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The metrics-server binary's path, built on first use. */
export const ensureMetricsServer = sharedBuild(ensure);

async function ensure(onProgress: (line: string) => void): Promise<string> {
  const goVersion = (await go(['version'], os.tmpdir())).trim();
  const key = createHash('sha256').update(METRICS_SERVER_VERSION).update(goVersion).update(RECIPE).digest('hex').slice(0, 16);
  const dir = path.join(modelshipCacheDir(), `metrics-server-${key}`);
  await mkdir(dir, { recursive: true });
  const binary = path.join(dir, 'metrics-server');
  if (!(await exists(binary))) await build(binary, onProgress);
  return binary;
}

const isMain = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  try {
    process.stdout.write(`${await ensureMetricsServer((line) => process.stderr.write(`${line}\n`))}\n`);
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}
