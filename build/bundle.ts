// Bundles one of the project's programs for its image (docs/adr/0005-images.md):
//
//   node build/bundle.ts <operator|runtime|testapp> <out dir>
//
// The out dir gets main.mjs (plus the runtime's worker entry), a minimal package.json the version lookups
// read, and, for the runtime only, the packages esbuild cannot bundle (onnxruntime-node, the gRPC ones)
// with their dependencies, onnxruntime's libraries for this machine's platform alone. The Dockerfiles run this in their build stage, so the
// image carries only the code its program imports.
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { build } from 'esbuild';
import { dependencyClosure } from './dependency-closure.ts';
import { IMAGE_PROGRAMS, INSTALL_ONLY_DEPENDENCIES, isImageProgram, shipsFile } from './programs.ts';

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
    // Chunks sit beside the entries: the worker pool, wherever it lands, finds ./session-worker.mjs.
    splitting: true,
    chunkNames: '[name]-[hash]',
    target: 'node24',
    external: program.external,
    banner: { js: REQUIRE_SHIM },
    legalComments: 'linked',
    logLevel: 'warning',
  });
  const manifest = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string; license: string };
  const { name: pkgName, version, license } = manifest;
  await writeFile(join(outDir, 'package.json'), `${JSON.stringify({ name: pkgName, version, license, type: 'module' }, null, 2)}\n`);
  await copyExternals(program.external, outDir);
  for (const [out, source] of Object.entries(program.assets)) await cp(join(ROOT, source), join(outDir, out));
}

/** Copies the external packages and what they depend on, keeping only what loads on this platform. */
async function copyExternals(external: readonly string[], outDir: string): Promise<void> {
  for (const dir of dependencyClosure(ROOT, [...external], INSTALL_ONLY_DEPENDENCIES)) {
    const from = join(ROOT, dir);
    await cp(from, join(outDir, dir), {
      recursive: true,
      // Nested node_modules are copied as packages of their own, only when something depends on them.
      filter: (path) => {
        const inPackage = relative(from, path);
        return !inPackage.split(sep).includes('node_modules') && shipsFile(inPackage, process.platform, process.arch);
      },
    });
  }
}

const [name, outDir] = process.argv.slice(2);
if (name === undefined || outDir === undefined) {
  process.stderr.write('usage: node build/bundle.ts <operator|runtime|testapp> <out dir>\n');
  process.exit(2);
}
await bundle(name, resolve(outDir));
