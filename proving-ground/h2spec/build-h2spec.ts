// Builds (once) and caches h2spec, the HTTP/2 conformance checker (github.com/summerwind/h2spec), the way
// flux/build-flux.ts and metrics-server/build-metrics-server.ts build theirs: the module comes from the Go
// module proxy into the module cache, the binary goes to ~/.cache/modelship (or $MODELSHIP_CACHE_DIR), keyed
// on the version, the Go toolchain and the recipe. Nothing fetched is committed.
//
// h2spec v2.2.1 predates Go modules (it pins its dependencies with dep's Gopkg.lock, at commits the proxy no
// longer serves), so `go install ...@v2.2.1+incompatible` would take whatever versions of x/net and cobra are
// newest on the day it runs. The build instead runs in a writable copy given the go.mod below, which pins the
// versions that were checked against runtime/http2 (and that `go install` chose then); the rest follows
// from their go.mod files, so every build of one key compiles the same sources.
//
// Usage as a script: node proving-ground/h2spec/build-h2spec.ts  (prints the binary's path)
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { modelshipCacheDir, sharedBuild } from '../lib/build-cache.ts';
import { fileExists, go, moduleDir } from '../lib/go-module.ts';

/** What the errors of a missing Go name. */
const WHAT = 'h2spec';

const run = promisify(execFile);

const MODULE = 'github.com/summerwind/h2spec';
export const H2SPEC_VERSION = 'v2.2.1+incompatible';
const GO_MOD = `module ${MODULE}

go 1.26.0

require (
	github.com/fatih/color v1.19.0
	github.com/spf13/cobra v1.10.2
	golang.org/x/net v0.62.0
)
`;
const RECIPE = 'v1 CGO_ENABLED=0 -trimpath -ldflags=-s -w ./cmd/h2spec, pinned go.mod';

async function build(output: string, onProgress: (line: string) => void): Promise<void> {
  const source = await moduleDir(MODULE, H2SPEC_VERSION, WHAT);
  // The module cache is read-only, and the build needs a go.mod and a go.sum of its own: build in a copy.
  const work = await mkdtemp(path.join(path.dirname(output), 'build-h2spec-'));
  try {
    await cp(source, work, { recursive: true });
    await run('chmod', ['-R', 'u+w', work]);
    await writeFile(path.join(work, 'go.mod'), GO_MOD);
    const started = Date.now();
    onProgress(`building h2spec ${H2SPEC_VERSION}...`);
    const tmp = `${output}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    await go(['build', '-mod=mod', '-trimpath', '-ldflags=-s -w', '-o', tmp, './cmd/h2spec'], work, WHAT);
    await rename(tmp, output);
    onProgress(`built h2spec in ${Math.round((Date.now() - started) / 1000)}s`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The h2spec binary's path, built on first use. */
export const ensureH2spec = sharedBuild(ensure);

async function ensure(onProgress: (line: string) => void): Promise<string> {
  const goVersion = (await go(['version'], os.tmpdir(), WHAT)).trim();
  const key = createHash('sha256').update(H2SPEC_VERSION).update(GO_MOD).update(goVersion).update(RECIPE).digest('hex').slice(0, 16);
  const dir = path.join(modelshipCacheDir(), `h2spec-${key}`);
  await mkdir(dir, { recursive: true });
  const binary = path.join(dir, 'h2spec');
  if (!(await fileExists(binary))) await build(binary, onProgress);
  return binary;
}

const isMain = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  try {
    process.stdout.write(`${await ensureH2spec((line) => process.stderr.write(`${line}\n`))}\n`);
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}
