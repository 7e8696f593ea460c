import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { modelshipCacheDir, sharedBuild } from './build-cache.ts';
import { fileExists, go, moduleDir } from './go-module.ts';

/**
 * One command of another project's Go module, built once per machine: the module comes from the Go module
 * proxy into the module cache, the binary goes to ~/.cache/modelship (or $MODELSHIP_CACHE_DIR) under a
 * folder keyed on the version, any go.mod given here, the Go toolchain and the recipe. The build runs in a
 * writable copy of the module (the module cache is read-only, and `go build -mod=mod` may touch go.sum).
 * Nothing fetched is committed.
 */
export interface GoCommand {
  /** The binary's name, and what errors name when Go is missing. */
  name: string;
  module: string;
  version: string;
  /** The package to build, relative to the module's root. */
  pkg: string;
  /** Written over the copy's go.mod, for a module whose own pins nothing the proxy still serves. */
  goMod?: string;
  /** Anything else that changes the binary's bytes: a change rebuilds it. */
  recipe: string;
}

const run = promisify(execFile);

/** The command's binary path, built on first use. */
export function cachedGoCommand(command: GoCommand): (onProgress?: (line: string) => void) => Promise<string> {
  return sharedBuild(async (onProgress) => {
    const goVersion = (await go(['version'], os.tmpdir(), command.name)).trim();
    const key = createHash('sha256').update(command.version).update(command.goMod ?? '').update(goVersion).update(command.recipe).digest('hex').slice(0, 16);
    const dir = path.join(modelshipCacheDir(), `${command.name}-${key}`);
    await mkdir(dir, { recursive: true });
    const binary = path.join(dir, command.name);
    if (!(await fileExists(binary))) await build(command, binary, onProgress);
    return binary;
  });
}

async function build(command: GoCommand, output: string, onProgress: (line: string) => void): Promise<void> {
  const source = await moduleDir(command.module, command.version, command.name);
  const work = await mkdtemp(path.join(path.dirname(output), `build-${command.name}-`));
  try {
    await cp(source, work, { recursive: true });
    await run('chmod', ['-R', 'u+w', work]);
    if (command.goMod !== undefined) await writeFile(path.join(work, 'go.mod'), command.goMod);
    const started = Date.now();
    onProgress(`building ${command.name} ${command.version}...`);
    const tmp = `${output}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    await go(['build', '-mod=mod', '-trimpath', '-ldflags=-s -w', '-o', tmp, command.pkg], work, command.name);
    await rename(tmp, output);
    onProgress(`built ${command.name} in ${Math.round((Date.now() - started) / 1000)}s`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * For a build file run as a script (`node <file>`): prints what `produce` returns, progress on stderr, and
 * exits 1 with the error's message if it fails. Does nothing when the file is imported.
 */
export async function runAsScript(moduleUrl: string, produce: (onProgress: (line: string) => void) => Promise<string>): Promise<void> {
  if (process.argv[1] === undefined || path.resolve(process.argv[1]) !== fileURLToPath(moduleUrl)) return;
  try {
    process.stdout.write(`${await produce((line) => process.stderr.write(`${line}\n`))}\n`);
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}
