// Builds (once) and caches metrics-server from its Go module at the release below, the way
// build-controlplane.ts and flux/build-flux.ts build theirs: the module comes from the Go module proxy into
// the module cache, the binary goes to ~/.cache/modelship (or $MODELSHIP_CACHE_DIR), keyed on the version,
// the Go toolchain and the recipe. Nothing fetched is committed.
//
// Usage as a script: node proving-ground/metrics-server/build-metrics-server.ts  (prints the binary's path)
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { modelshipCacheDir, sharedBuild } from '../lib/build-cache.ts';
import { fileExists, go, moduleDir } from '../lib/go-module.ts';

/** What the errors of a missing Go name. */
const WHAT = 'metrics-server';

const run = promisify(execFile);

const MODULE = 'sigs.k8s.io/metrics-server';
/** The newest release that builds with the Go toolchain of this machine (v0.9.0 was not tried). */
export const METRICS_SERVER_VERSION = 'v0.8.0';
const RECIPE = 'v1 CGO_ENABLED=0 -trimpath -ldflags=-s -w ./cmd/metrics-server';

async function build(output: string, onProgress: (line: string) => void): Promise<void> {
  const source = await moduleDir(MODULE, METRICS_SERVER_VERSION, WHAT);
  // The module cache is read-only and `go build -mod=mod` may need to touch go.sum: build in a copy.
  const work = await mkdtemp(path.join(path.dirname(output), 'build-metrics-server-'));
  try {
    await cp(source, work, { recursive: true });
    await run('chmod', ['-R', 'u+w', work]);
    const started = Date.now();
    onProgress(`building metrics-server ${METRICS_SERVER_VERSION}...`);
    const tmp = `${output}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    await go(['build', '-mod=mod', '-trimpath', '-ldflags=-s -w', '-o', tmp, './cmd/metrics-server'], work, WHAT);
    await rename(tmp, output);
    onProgress(`built metrics-server in ${Math.round((Date.now() - started) / 1000)}s`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The metrics-server binary's path, built on first use. */
export const ensureMetricsServer = sharedBuild(ensure);

async function ensure(onProgress: (line: string) => void): Promise<string> {
  const goVersion = (await go(['version'], os.tmpdir(), WHAT)).trim();
  const key = createHash('sha256').update(METRICS_SERVER_VERSION).update(goVersion).update(RECIPE).digest('hex').slice(0, 16);
  const dir = path.join(modelshipCacheDir(), `metrics-server-${key}`);
  await mkdir(dir, { recursive: true });
  const binary = path.join(dir, 'metrics-server');
  if (!(await fileExists(binary))) await build(binary, onProgress);
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
