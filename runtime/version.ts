import { readFileSync } from 'node:fs';

/**
 * The package's version, read from the package.json beside or above this file; the same code runs from
 * runtime/ (source), dist/runtime/ (built) and /app/main.mjs (the image's bundle), so the level differs.
 */
function findPackageVersion(): string {
  for (const relative of ['./package.json', '../package.json', '../../package.json']) {
    try {
      const manifest = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (manifest.name === 'modelship' && typeof manifest.version === 'string') return manifest.version;
    } catch {
      // not at this level; try the next
    }
  }
  return '0.0.0';
}

export const RUNTIME_VERSION = findPackageVersion();
export const RUNTIME_NAME = 'modelship-runtime';
