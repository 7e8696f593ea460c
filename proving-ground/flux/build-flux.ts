// Builds (once) and caches Flux's source-controller, kustomize-controller and helm-controller from their Go
// modules at the release versions below (Flux v2.7), and finds their CRDs, which ship inside each module
// under config/crd/bases. Nothing fetched is committed: modules come from the Go module proxy into the
// module cache, binaries go to ~/.cache/modelship (or $MODELSHIP_CACHE_DIR), keyed on the versions, the
// Go toolchain and the recipe, like build-controlplane.ts.
//
// Each controller's go.mod replaces its api module with the ./api directory, which the module zip leaves out
// (it is a module of its own), so the build runs in a writable copy whose go.mod requires the api module at
// the same version instead.
//
// Usage as a script: node proving-ground/flux/build-flux.ts  (prints the binaries' directory)
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { modelshipCacheDir, sharedBuild } from '../lib/build-cache.ts';
import { fileExists, go, moduleDir } from '../lib/go-module.ts';
import { runAsScript } from '../lib/go-command.ts';

/** What the errors of a missing Go name. */
const WHAT = 'Flux';

const run = promisify(execFile);

/** One Flux release's controllers (Flux v2.7.x; newer releases need Go 1.26+ and 1.27). */
export const FLUX_CONTROLLERS = [
  { name: 'source-controller', version: 'v1.7.3' },
  { name: 'kustomize-controller', version: 'v1.7.2' },
  { name: 'helm-controller', version: 'v1.4.3' },
] as const;
export type FluxControllerName = (typeof FLUX_CONTROLLERS)[number]['name'];

const RECIPE = 'v1 CGO_ENABLED=0 -trimpath -ldflags=-s -w, api module required at the same version';

export interface FluxBuild {
  /** Path of each controller's binary. */
  binaries: Record<FluxControllerName, string>;
  /** The CRD manifests of all three controllers, from the module cache. */
  crdFiles: string[];
}

async function buildController(name: FluxControllerName, version: string, output: string, onProgress: (l: string) => void): Promise<void> {
  const module = `github.com/fluxcd/${name}`;
  const source = await moduleDir(module, version, WHAT);
  const work = await mkdtemp(path.join(path.dirname(output), `build-${name}-`));
  try {
    await cp(source, work, { recursive: true });
    await run('chmod', ['-R', 'u+w', work]); // the module cache is read-only
    await go(['mod', 'edit', `-dropreplace=${module}/api`, `-require=${module}/api@${version}`], work, WHAT);
    const started = Date.now();
    onProgress(`building ${name} ${version}...`);
    const tmp = `${output}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    await go(['build', '-mod=mod', '-trimpath', '-ldflags=-s -w', '-o', tmp, '.'], work, WHAT);
    await rename(tmp, output);
    onProgress(`built ${name} in ${Math.round((Date.now() - started) / 1000)}s`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function crdFilesOf(name: FluxControllerName, version: string): Promise<string[]> {
  const dir = path.join(await moduleDir(`github.com/fluxcd/${name}`, version, WHAT), 'config', 'crd', 'bases');
  return (await readdir(dir)).filter((f) => f.endsWith('.yaml')).map((f) => path.join(dir, f));
}

/** The three controllers, built on first use (about as long as the control plane on 2 cores; see docs/gitops.md). */
export const ensureFlux = sharedBuild(ensure);

async function ensure(onProgress: (line: string) => void): Promise<FluxBuild> {
  const goVersion = (await go(['version'], os.tmpdir(), WHAT)).trim();
  const key = createHash('sha256').update(JSON.stringify(FLUX_CONTROLLERS)).update(goVersion).update(RECIPE).digest('hex').slice(0, 16);
  const dir = path.join(modelshipCacheDir(), `flux-${key}`);
  await mkdir(dir, { recursive: true });
  const binaries = {} as Record<FluxControllerName, string>;
  const crdFiles: string[] = [];
  for (const { name, version } of FLUX_CONTROLLERS) {
    binaries[name] = path.join(dir, name);
    if (!(await fileExists(binaries[name]))) await buildController(name, version, binaries[name], onProgress);
    crdFiles.push(...(await crdFilesOf(name, version)));
  }
  return { binaries, crdFiles };
}

await runAsScript(import.meta.url, async (onProgress) => path.dirname((await ensureFlux(onProgress)).binaries['source-controller']));
