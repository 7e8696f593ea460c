import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Bytes of a directory tree's files (apparent sizes, hard links once), as `du -sb` counts them. */
export async function treeSize(root: string): Promise<number> {
  const seen = new Set<string>();
  let total = 0;
  const visit = async (path: string): Promise<void> => {
    const info = await lstat(path);
    if (info.nlink > 1 && !info.isDirectory()) {
      const inode = `${info.dev}:${info.ino}`;
      if (seen.has(inode)) return;
      seen.add(inode);
    }
    total += info.size;
    if (info.isDirectory()) for (const entry of await readdir(path)) await visit(join(path, entry));
  };
  await visit(root);
  return total;
}
