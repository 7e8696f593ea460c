// Bundles one of the project's programs for its image (docs/adr/0004-images.md):
//
//   node build/bundle.ts <operator|runtime|testapp> <out dir>
//
// The out dir gets main.mjs (plus the runtime's worker entry), a minimal package.json the version lookups
// read, and, for the runtime only, the one native package esbuild cannot bundle (onnxruntime-node) with
// its libraries for this machine's platform alone. The Dockerfiles run this in their build stage, so the
// image carries only the code its program imports.
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { IMAGE_PROGRAMS, isImageProgram, nativeLibraryDir } from './programs.ts';

const ROOT = resolve(import.meta.dirname, '..');

// ESM output cannot `require` Node's built-ins the CommonJS dependencies ask for; give them a real one.
const REQUIRE_SHIM = "import { createRequire as __modelshipCreateRequire } from 'node:module';\n" +
  'const require = __modelshipCreateRequire(import.meta.url);';

async function bundle(name: string, outDir: string): Promise<void> {
  if (!isImageProgram(name)) throw new Error(`unknown program ${name}; expected one of ${Object.keys(IMAGE_PROGRAMS).join(', ')}`);
  const program = IMAGE_PROGRAMS[name];
  await mkdir(outDir, { recursive: true });
  await build({
    entryPoints: Object.entries(program.entries).map(([out, src]) => ({ out, in: join(ROOT, src) })),
    outdir: outDir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    // Dynamic imports stay lazy: `serve` never loads the AWS SDK that only `fetch` uses (runtime/cli).
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    target: 'node24',
    external: program.external,
    banner: { js: REQUIRE_SHIM },
    legalComments: 'linked',
    logLevel: 'warning',
  });
  const manifest = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string; license: string };
  const { name: pkgName, version, license } = manifest;
  await writeFile(join(outDir, 'package.json'), `${JSON.stringify({ name: pkgName, version, license, type: 'module' }, null, 2)}\n`);
  for (const dependency of program.external) await copyExternal(dependency, outDir);
}

/** Copies an external dependency, keeping only what loads at run time on this platform. */
async function copyExternal(dependency: string, outDir: string): Promise<void> {
  const from = join(ROOT, 'node_modules', dependency);
  const to = join(outDir, 'node_modules', dependency);
  await mkdir(to, { recursive: true });
  await cp(join(from, 'package.json'), join(to, 'package.json'));
  await cp(join(from, 'dist'), join(to, 'dist'), { recursive: true, filter: (path) => !path.endsWith('.map') && !path.endsWith('.d.ts') });
  const native = nativeLibraryDir(dependency, process.platform, process.arch);
  if (native !== undefined) await cp(join(from, native), join(to, native), { recursive: true });
}

const [name, outDir] = process.argv.slice(2);
if (name === undefined || outDir === undefined) {
  process.stderr.write('usage: node build/bundle.ts <operator|runtime|testapp> <out dir>\n');
  process.exit(2);
}
await bundle(name, resolve(outDir));
