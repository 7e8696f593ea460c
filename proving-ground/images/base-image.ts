// Makes the base image when none can be pulled (this project's machines reach no image registry): Debian
// bookworm from Debian's packages (debootstrap --variant=minbase), the Node 24 binary the `node`
// devDependency installed from the npm registry, and npm from the npm registry. The root filesystem is
// cached as a tar keyed on what went into it, and imported into the engine under that key.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, readdir, rename, rm, symlink, writeFile, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BASE_NPM_VERSION, REMOVED_FILES, TRIMMED_PATHS, baseCacheKey, baseDockerfile, baseReference } from './base-recipe.ts';
import type { BaseRecipe } from './base-recipe.ts';
import { runCommand } from './command.ts';
import { treeSize } from './tree-size.ts';

const SUITE = 'bookworm';
const MIRROR = 'http://deb.debian.org/debian';

export interface PreparedBase {
  reference: string;
  recipe: BaseRecipe;
  /** Directory holding rootfs.tar and the Dockerfile that imports it. */
  dir: string;
  /** Uncompressed size of the root filesystem, in bytes. */
  size: number;
}

/**
 * The Node 24 binary the `node` devDependency installed: its install step links the platform package's
 * binary to node/bin/node (the platform package itself may be pruned by a later npm install).
 */
export function nodeBinary(repoRoot: string): string {
  const platformPackage = `node-${process.platform}-${process.arch}`;
  const candidates = [
    join(repoRoot, 'node_modules', 'node', 'bin', 'node'),
    join(repoRoot, 'node_modules', 'node', 'node_modules', platformPackage, 'bin', 'node'),
    join(repoRoot, 'node_modules', platformPackage, 'bin', 'node'),
  ];
  const found = candidates.find((path) => existsSync(path));
  if (!found) throw new Error(`no Node binary from the node devDependency (looked for ${candidates.join(', ')}); run npm ci`);
  return found;
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The base's recipe and cached root filesystem, made now if the cache lacks it. */
export async function prepareBase(repoRoot: string, cacheDir: string, log: (line: string) => void): Promise<PreparedBase> {
  const node = nodeBinary(repoRoot);
  const nodeVersion = (await runCommand([node, '--version'])).trim().replace(/^v/, '');
  const recipe: BaseRecipe = { suite: SUITE, mirror: MIRROR, nodeSha256: await sha256File(node), nodeVersion, npmVersion: BASE_NPM_VERSION };
  const key = baseCacheKey(recipe);
  const dir = join(cacheDir, 'base-images', key);
  const metaPath = join(dir, 'base.json');
  if (!existsSync(metaPath)) {
    log(`base: making Debian ${SUITE} + Node ${nodeVersion} + npm ${BASE_NPM_VERSION} (cache key ${key}, about a minute)`);
    await makeBase(recipe, node, dir);
  }
  const { size } = JSON.parse(await readFile(metaPath, 'utf8')) as { size: number };
  return { reference: baseReference(key), recipe, dir, size };
}

async function makeBase(recipe: BaseRecipe, node: string, dir: string): Promise<void> {
  await mkdir(join(dir, '..'), { recursive: true });
  const work = await mkdtemp(`${dir}.partial-`);
  try {
    const rootfs = join(work, 'rootfs');
    await runCommand(['debootstrap', '--variant=minbase', recipe.suite, rootfs, recipe.mirror]);
    await trim(rootfs);
    await addNode(rootfs, node);
    await addNpm(rootfs, work, recipe.npmVersion);
    const size = await treeSize(rootfs);
    await runCommand(['tar', '--numeric-owner', '-C', rootfs, '-cf', join(work, 'rootfs.tar'), '.']);
    await rm(rootfs, { recursive: true, force: true });
    await writeFile(join(work, 'Dockerfile'), baseDockerfile(recipe));
    await writeFile(join(work, 'base.json'), `${JSON.stringify({ ...recipe, size }, null, 2)}\n`);
    await rm(dir, { recursive: true, force: true });
    await rename(work, dir);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function trim(rootfs: string): Promise<void> {
  for (const path of TRIMMED_PATHS) {
    const absolute = join(rootfs, path);
    if (!existsSync(absolute)) continue;
    for (const entry of await readdir(absolute)) await rm(join(absolute, entry), { recursive: true, force: true });
  }
  for (const file of REMOVED_FILES) await rm(join(rootfs, file), { force: true });
}

async function addNode(rootfs: string, node: string): Promise<void> {
  const target = join(rootfs, 'usr', 'local', 'bin', 'node');
  await mkdir(join(target, '..'), { recursive: true });
  await copyFile(node, target);
  await chmod(target, 0o755);
}

/** npm from the npm registry (`npm pack` uses this machine's npm configuration, CA included). */
async function addNpm(rootfs: string, work: string, version: string): Promise<void> {
  const packed = (await runCommand(['npm', 'pack', `npm@${version}`, '--pack-destination', work, '--silent'])).trim().split('\n').pop();
  const npmDir = join(rootfs, 'usr', 'local', 'lib', 'node_modules', 'npm');
  await mkdir(npmDir, { recursive: true });
  await runCommand(['tar', '-xzf', join(work, packed ?? ''), '-C', npmDir, '--strip-components=1', '--no-same-owner']);
  await symlink('../lib/node_modules/npm/bin/npm-cli.js', join(rootfs, 'usr', 'local', 'bin', 'npm'));
  await symlink('../lib/node_modules/npm/bin/npx-cli.js', join(rootfs, 'usr', 'local', 'bin', 'npx'));
}
