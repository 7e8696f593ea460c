// What goes into an image build, reduced to one content hash: the Dockerfile, every context file its COPY
// steps can read (minus .dockerignore), the base image's id and the build arguments. An image whose hash
// is unchanged is not rebuilt; the hash travels on the image as a label, so the engine's store is the
// record of what was built from what.
import { createHash } from 'node:crypto';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { createRequire } from 'node:module';

// A CommonJS module whose types declare an ES default export; require() gives the factory itself.
const dockerignore = createRequire(import.meta.url)('@balena/dockerignore') as typeof import('@balena/dockerignore').default;

/** The label that carries the inputs hash on every image `npm run images` builds. */
export const INPUTS_LABEL = 'dev.modelship.build.inputs';

/**
 * The context paths the Dockerfile's COPY/ADD steps read (those without --from, which copy between
 * stages). Paths are as written, relative to the context; the last operand (the destination) is left out.
 */
export function copySources(dockerfile: string): string[] {
  const sources: string[] = [];
  const joined = dockerfile.replace(/\\\r?\n/g, ' ');
  for (const line of joined.split(/\r?\n/)) {
    const words = line.trim().split(/\s+/);
    const instruction = words[0]?.toUpperCase();
    if (instruction !== 'COPY' && instruction !== 'ADD') continue;
    const operands = words.slice(1);
    if (operands.some((word) => word.startsWith('--from'))) continue;
    const paths = operands.filter((word) => !word.startsWith('--'));
    sources.push(...paths.slice(0, -1).map((path) => posix.normalize(path.replace(/\/$/, ''))));
  }
  return [...new Set(sources)];
}

export interface InputsDescription {
  dockerfile: string;
  /** Context-relative path → sha256 of its content, for every file the build can copy. */
  files: Record<string, string>;
  baseImageId: string;
  buildArgs: Record<string, string>;
}

/** The hash of everything that decides an image's content. Independent of file walk order. */
export function inputsHash(inputs: InputsDescription): string {
  const hash = createHash('sha256');
  hash.update(`dockerfile\0${inputs.dockerfile}\0base\0${inputs.baseImageId}\0`);
  for (const [name, value] of Object.entries(inputs.buildArgs).sort(([a], [b]) => a.localeCompare(b))) {
    hash.update(`arg\0${name}\0${value}\0`);
  }
  for (const path of Object.keys(inputs.files).sort()) hash.update(`file\0${path}\0${inputs.files[path]}\0`);
  return hash.digest('hex');
}

/** Hashes the files under each COPY source in `context`, skipping what `.dockerignore` keeps out. */
export async function contextFiles(context: string, sources: string[], ignoreFile: string | undefined): Promise<Record<string, string>> {
  const ignore = dockerignore().add(ignoreFile === undefined ? [] : ignoreFile.split(/\r?\n/));
  const files: Record<string, string> = {};
  const visit = async (relative: string): Promise<void> => {
    if (ignore.ignores(relative)) return;
    const absolute = join(context, relative);
    const info = await stat(absolute);
    if (info.isDirectory()) {
      for (const entry of (await readdir(absolute)).sort()) await visit(posix.join(relative, entry));
    } else {
      files[relative] = createHash('sha256').update(await readFile(absolute)).digest('hex');
    }
  };
  for (const source of sources) await visit(source);
  return files;
}
