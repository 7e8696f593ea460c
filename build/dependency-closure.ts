// The packages an external dependency needs at run time: itself and, transitively, its `dependencies` and
// `optionalDependencies`, found the way Node finds them (the nearest node_modules up from the package that
// asks). Returned as directories relative to the project root, so copying each to the same relative path
// keeps npm's layout, nested node_modules included.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';

interface Manifest {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

/** The directory of package `name` as seen from package directory `from`; undefined when not installed. */
export function resolvePackageDir(root: string, from: string, name: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === root || !dir.startsWith(root + sep)) return undefined;
  }
}

/**
 * `roots` and everything they depend on, relative to `root`. `skip` names packages left out with their own
 * dependencies (those only an install script uses). A missing optional dependency is fine; a missing
 * required one is an error.
 */
export function dependencyClosure(root: string, roots: string[], skip: readonly string[] = []): string[] {
  const found = new Set<string>();
  const visit = (from: string, name: string, optional: boolean): void => {
    if (skip.includes(name)) return;
    const dir = resolvePackageDir(root, from, name);
    if (dir === undefined) {
      if (optional) return;
      throw new Error(`${name} (needed by ${relative(root, from) || 'the project'}) is not installed; run npm ci`);
    }
    const key = relative(root, dir);
    if (found.has(key)) return;
    found.add(key);
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
    for (const dep of Object.keys(manifest.dependencies ?? {})) visit(dir, dep, false);
    for (const dep of Object.keys(manifest.optionalDependencies ?? {})) visit(dir, dep, true);
  };
  for (const name of roots) visit(root, name, false);
  return [...found].sort();
}
