// `npm run images [-- [--prune] operator|runtime|testapp|metrics-server …]`: builds the project's images from their Dockerfiles with
// whichever engine this machine has, then exports them into the proving ground's image store, which the
// local kubelet runs containers from (store.ts). docs/adr/0005-images.md says why it works this way.
//
// Environment: MODELSHIP_IMAGE_ENGINE (docker|podman|buildah) picks the engine; MODELSHIP_ENGINE_ROOT gives
// podman/buildah a storage root of their own; MODELSHIP_BASE_IMAGE names a Node 24 base to use instead of
// the one made here from Debian's packages; MODELSHIP_CACHE_DIR / MODELSHIP_IMAGE_STORE move the caches.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ensureMetricsServer } from '../metrics-server/build-metrics-server.ts';
import { prepareBase } from './base-image.ts';
import { INPUTS_LABEL, contextFiles, copySources, inputsHash } from './build-inputs.ts';
import { runCommand } from './command.ts';
import { NoEngineError, detectEngine } from './detect-engine.ts';
import { buildCommand, engineEnv, inspectImageCommand, parseInspect, pullCommand, removeImageCommand } from './engine.ts';
import type { Engine, InspectedImage } from './engine.ts';
import { exportToStore } from './export-image.ts';
import { formatMegabytes, imageReference, selectImages } from './image-set.ts';
import type { ImageDefinition } from './image-set.ts';
import { pruneStore } from './prune-store.ts';
import { ensureHostPrograms } from '../lib/debian-packages.ts';
import { ImageStore } from './store.ts';
import { treeSize } from './tree-size.ts';
import { modelshipCacheDir } from '../lib/build-cache.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const SYSTEM_CA = '/etc/ssl/certs/ca-certificates.crt';

interface Base {
  reference: string;
  id: string;
  size: number | undefined;
}

interface Outcome {
  reference: string;
  id: string;
  built: boolean;
  exported: boolean;
  size: number;
}

function log(line: string): void {
  process.stdout.write(`images: ${line}\n`);
}

function seconds(since: number): string {
  return `${((performance.now() - since) / 1000).toFixed(1)} s`;
}

async function inspect(engine: Engine, reference: string): Promise<InspectedImage | undefined> {
  try {
    return parseInspect(engine, await runCommand(inspectImageCommand(engine, reference), { env: engineEnv(engine) }));
  } catch {
    return undefined;
  }
}

/** The base image: MODELSHIP_BASE_IMAGE as given, or the one made from Debian's packages (cached). */
async function ensureBase(engine: Engine, cacheDir: string): Promise<Base> {
  const named = process.env.MODELSHIP_BASE_IMAGE;
  if (named) {
    if (!(await inspect(engine, named))) {
      log(`base: pulling ${named}`);
      await runCommand(pullCommand(engine, named), { env: engineEnv(engine), echo: true });
    }
    const found = await inspect(engine, named);
    if (!found) throw new Error(`${engine.name} pulled ${named} but cannot inspect it`);
    return { reference: named, id: found.id, size: undefined };
  }
  const started = performance.now();
  const base = await prepareBase(ROOT, cacheDir, log);
  let image = await inspect(engine, base.reference);
  if (!image) {
    log(`base: importing ${base.reference} into ${engine.name}`);
    const request = { dockerfile: join(base.dir, 'Dockerfile'), context: base.dir, tags: [base.reference], buildArgs: {}, labels: {}, secrets: {} };
    await runCommand(buildCommand(engine, request), { env: engineEnv(engine) });
    image = await inspect(engine, base.reference);
    if (!image) throw new Error(`${engine.name} built ${base.reference} but cannot inspect it`);
  }
  log(`base: ${base.reference} ready (${formatMegabytes(base.size)}, ${seconds(started)})`);
  return { reference: base.reference, id: image.id, size: base.size };
}

/** The build context: the repository, or metrics-server's cache directory (built first if it is not there). */
async function contextOf(image: ImageDefinition): Promise<string> {
  if (image.context === 'metrics-server') return dirname(await ensureMetricsServer(log));
  return ROOT;
}

async function buildOne(engine: Engine, store: ImageStore, image: ImageDefinition, base: Base, version: string): Promise<Outcome> {
  const started = performance.now();
  const reference = imageReference(image, version);
  const dockerfile = await readFile(join(ROOT, image.dockerfile), 'utf8');
  const context = await contextOf(image);
  const ignore = existsSync(join(context, '.dockerignore')) ? await readFile(join(context, '.dockerignore'), 'utf8') : undefined;
  const buildArgs = { BASE_IMAGE: base.reference, VERSION: version };
  const files = await contextFiles(context, copySources(dockerfile), ignore);
  const key = inputsHash({ dockerfile, files, baseImageId: base.id, buildArgs });
  const current = await inspect(engine, reference);
  const built = current?.config.Labels?.[INPUTS_LABEL] !== key;
  if (built) {
    log(`${image.name}: building ${reference} from ${image.dockerfile}`);
    const secrets: Record<string, string> = existsSync(SYSTEM_CA) ? { ca: SYSTEM_CA } : {};
    const request = { dockerfile: join(ROOT, image.dockerfile), context, tags: [reference], buildArgs, labels: { [INPUTS_LABEL]: key }, secrets };
    await runCommand(buildCommand(engine, request), { env: engineEnv(engine), echo: true });
    // The image this build replaced is untagged now; with vfs it holds a full copy of its files.
    if (current) await runCommand(removeImageCommand(engine, current.id), { env: engineEnv(engine) }).catch(() => undefined);
  }
  const inspected = built ? await inspect(engine, reference) : current;
  if (!inspected) throw new Error(`${engine.name} built ${reference} but cannot inspect it`);
  const exported = await exportToStore(engine, store, inspected, [reference]);
  const size = await treeSize(join(store.imageDir(inspected.id), 'rootfs'));
  log(`${image.name}: ${built ? 'built' : 'up to date'}, ${exported ? 'exported to' : 'already in'} the image store (${seconds(started)})`);
  return { reference, id: inspected.id, built, exported, size };
}

function report(outcomes: Outcome[], base: Base): void {
  const baseSize = base.size;
  const rows = [['image', 'id', 'size', baseSize === undefined ? 'base' : `above base (${formatMegabytes(baseSize)})`]];
  for (const outcome of outcomes) {
    const above = baseSize === undefined ? base.reference : formatMegabytes(outcome.size - baseSize);
    rows.push([outcome.reference, outcome.id.slice(0, 12), formatMegabytes(outcome.size), above]);
  }
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  for (const row of rows) log(row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd());
}

/**
 * The engine this machine has; with none at all, buildah (daemonless) is installed first where apt-get can.
 * debootstrap makes the base image unless MODELSHIP_BASE_IMAGE names one.
 */
async function engineInstallingBuildah(): Promise<Engine> {
  if (!process.env.MODELSHIP_BASE_IMAGE) await ensureHostPrograms([{ command: 'debootstrap', debianPackage: 'debootstrap' }], log);
  try {
    return await detectEngine();
  } catch (error) {
    if (!(error instanceof NoEngineError) || process.env.MODELSHIP_IMAGE_ENGINE) throw error;
    await ensureHostPrograms([{ command: 'buildah', debianPackage: 'buildah' }], log);
    return detectEngine();
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  const args = process.argv.slice(2);
  const images = selectImages(args.filter((arg) => arg !== '--prune'));
  const engine = await engineInstallingBuildah();
  const cacheDir = modelshipCacheDir();
  const store = new ImageStore();
  const { version } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  log(`engine ${engine.name}${engine.storageRoot ? ` (storage ${engine.storageRoot})` : ''}; image store ${store.root}`);
  const base = await ensureBase(engine, cacheDir);
  const outcomes: Outcome[] = [];
  for (const image of images) outcomes.push(await buildOne(engine, store, image, base, version));
  report(outcomes, base);
  if (args.includes('--prune')) log(`pruned ${(await pruneStore(store.root)).length} image(s) no reference names from the store`);
  log(`done in ${seconds(started)}`);
}

try {
  await main();
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(error instanceof NoEngineError ? `npm run images: ${message}\n` : `npm run images failed: ${message}\n`);
  process.exit(1);
}
