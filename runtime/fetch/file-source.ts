import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { FetchError } from './fetch-error.ts';

/** A file on a mounted volume (file:// or pvc://). A missing file is reported at once, not retried. */
export async function openFile(path: string): Promise<Readable> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new FetchError(`${path} is not a regular file`, false);
  } catch (error) {
    if (error instanceof FetchError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new FetchError(`${path}: ${(error as Error).message}`, code !== 'ENOENT' && code !== 'EACCES' && code !== 'ENOTDIR');
  }
  return createReadStream(path);
}
