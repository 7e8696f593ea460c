import { createReadStream } from 'node:fs';
import { constants, open, realpath } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { isAbsolute, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { FetchError } from './fetch-error.ts';

/** Kernel pseudo-filesystems: no model lives there, and /proc/self/environ holds the pod's secrets. */
const PSEUDO_FILESYSTEMS = ['/proc', '/sys', '/dev'];

/**
 * A file on a mounted volume (file:// or pvc://), which must really lie inside `root`: the path is resolved
 * with realpath, so a symlink placed in a claim cannot lead elsewhere, and the file is opened without
 * following a final symlink swapped in after the check. A missing file is reported at once, not retried.
 */
export async function openFile(path: string, root: string): Promise<Readable> {
  let handle: FileHandle | undefined;
  try {
    const real = await realpath(path);
    await checkInside(real, path, root);
    handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW);
    if (!(await handle.stat()).isFile()) throw new FetchError(`${path} is not a regular file`, false);
  } catch (error) {
    await handle?.close();
    if (error instanceof FetchError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new FetchError(`${path}: ${(error as Error).message}`, code !== 'ENOENT' && code !== 'EACCES' && code !== 'ENOTDIR' && code !== 'ELOOP');
  }
  return createReadStream('', { fd: handle });
}

async function checkInside(real: string, path: string, root: string): Promise<void> {
  const realRoot = await realpath(root);
  const within = relative(realRoot, real);
  if (within === '..' || within.startsWith(`..${sep}`) || isAbsolute(within)) {
    throw new FetchError(`${path} resolves to ${real}, outside ${root}`, false);
  }
  if (PSEUDO_FILESYSTEMS.some((dir) => real === dir || real.startsWith(`${dir}/`))) {
    throw new FetchError(`${path} resolves to ${real}, which is no model file`, false);
  }
}
