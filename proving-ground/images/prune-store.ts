// `npm run images -- --prune`: removes the image directories of the store that no reference names any more
// (each rebuild exports a new image id and leaves the old one). Opt-in, because a cluster that is still up
// may run containers whose root filesystem is an old image's.
import { readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** The entries of the store's root that are image directories no reference points at. Pure. */
export function unreferencedImageDirs(entries: string[], referencedIds: string[]): string[] {
  const referenced = new Set(referencedIds);
  return entries.filter((entry) => /^[0-9a-f]{64}$/.test(entry) && !referenced.has(entry));
}

export async function pruneStore(root: string): Promise<string[]> {
  const index = JSON.parse(await readFile(join(root, 'index.json'), 'utf8')) as { references: Record<string, string> };
  const removed = unreferencedImageDirs(await readdir(root), Object.values(index.references));
  for (const id of removed) await rm(join(root, id), { recursive: true, force: true });
  return removed;
}
