// The recipe of the base image `npm run images` makes when no base can be pulled: Debian bookworm
// (debootstrap's minbase) plus Node 24 and npm from the npm registry, the same parts as the official
// node:24-bookworm-slim. Pure: what goes in, its cache key, and the Dockerfile that imports it.
import { createHash } from 'node:crypto';

export interface BaseRecipe {
  suite: string;
  mirror: string;
  /** sha256 of the Node binary that goes in. */
  nodeSha256: string;
  nodeVersion: string;
  npmVersion: string;
}

/** The npm that goes into the base, as node:24's official images carry one. */
export const BASE_NPM_VERSION = '11.21.2';

/** Bumped when the way the base is made changes, so that cached bases made the old way are not reused. */
const RECIPE_REVISION = 1;

export const BASE_REPOSITORY = 'localhost/modelship/base';

export function baseCacheKey(recipe: BaseRecipe): string {
  const canonical = JSON.stringify({ revision: RECIPE_REVISION, ...recipe }, Object.keys({ revision: 0, ...recipe }).sort());
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

export function baseReference(key: string): string {
  return `${BASE_REPOSITORY}:${key}`;
}

/** Paths (relative to the root filesystem) emptied after debootstrap, as Debian's slim images do. */
export const TRIMMED_PATHS = [
  'var/cache/apt/archives',
  'var/lib/apt/lists',
  'var/log',
  'usr/share/doc',
  'usr/share/man',
  'usr/share/info',
  'usr/share/locale',
  // A container runtime provides these; the copies debootstrap made belong to this machine.
  'dev',
  'run',
  'tmp',
];

/** Files debootstrap copied from this machine that must not travel in an image. */
export const REMOVED_FILES = ['etc/resolv.conf', 'etc/hostname'];

/** The Dockerfile that turns the prepared root filesystem (a tar beside it) into the base image. */
export function baseDockerfile(recipe: BaseRecipe): string {
  return [
    'FROM scratch',
    'ADD rootfs.tar /',
    'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    `ENV NODE_VERSION=${recipe.nodeVersion}`,
    `LABEL org.opencontainers.image.description="Debian ${recipe.suite} (debootstrap minbase) with Node ${recipe.nodeVersion} and npm ${recipe.npmVersion}, made by npm run images"`,
    'CMD ["node"]',
    '',
  ].join('\n');
}
