import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { checksumMismatch } from '../model/checksum.ts';
import { FetchError } from './fetch-error.ts';
import { openFile } from './file-source.ts';
import { openHttp } from './http-source.ts';
import { parseModelUri } from './model-uri.ts';
import type { ModelLocation } from './model-uri.ts';
import { withRetries } from './retry.ts';
import type { RetryPolicy } from './retry.ts';
import { openS3 } from './s3-source.ts';

export interface FetchOptions {
  uri: string;
  dest: string;
  sha256: string | undefined;
  ca: string | undefined;
  s3Endpoint: string | undefined;
  pvcRoot: string;
  idleTimeoutMs: number;
  retry: RetryPolicy;
  /** Progress lines for the init container's log. */
  report: (line: string) => void;
}

export interface FetchResult {
  bytes: number;
  sha256: string;
  /** True when `dest` already held the expected file and nothing was downloaded. */
  alreadyPresent: boolean;
}

/**
 * Puts the model at `dest`: downloads to a temporary file beside it, checks the sha256, then renames, so a
 * reader never sees a partial or unverified file, even if the init container is killed halfway.
 */
export async function fetchModel(options: FetchOptions): Promise<FetchResult> {
  const location = parseModelUri(options.uri, options.pvcRoot);
  await mkdir(dirname(options.dest), { recursive: true });
  if (options.sha256 !== undefined) {
    const existing = await hashExisting(options.dest);
    if (existing !== undefined && existing.sha256 === options.sha256) return { ...existing, alreadyPresent: true };
  }
  return withRetries(
    options.retry,
    async () => ({ ...(await downloadOnce(location, options)), alreadyPresent: false }),
    (error, delayMs, attempt) => options.report(`attempt ${attempt} failed: ${error.message}; retrying in ${delayMs} ms`),
  );
}

async function downloadOnce(location: ModelLocation, options: FetchOptions): Promise<{ bytes: number; sha256: string }> {
  const source = await open(location, options);
  const temporary = join(dirname(options.dest), `.${basename(options.dest)}.${randomBytes(6).toString('hex')}.partial`);
  const hash = createHash('sha256');
  let bytes = 0;
  const measure = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      bytes += chunk.length;
      callback(null, chunk);
    },
  });
  try {
    try {
      await pipeline(source, measure, createWriteStream(temporary, { flush: true }));
    } catch (error) {
      if (error instanceof FetchError) throw error;
      // Connections dropped mid-transfer are worth another try; a full disk is not.
      const code = (error as NodeJS.ErrnoException).code;
      throw new FetchError(`download of ${options.uri} failed after ${bytes} bytes: ${(error as Error).message}`, code !== 'ENOSPC' && code !== 'EACCES' && code !== 'EROFS');
    }
    const sha256 = hash.digest('hex');
    // A wrong digest means a wrong URI or a wrong pin, which a retry cannot fix.
    if (options.sha256 !== undefined && sha256 !== options.sha256) throw new FetchError(checksumMismatch(options.sha256, sha256), false);
    await rename(temporary, options.dest);
    return { bytes, sha256 };
  } finally {
    await rm(temporary, { force: true });
  }
}

function open(location: ModelLocation, options: FetchOptions): Promise<Readable> {
  switch (location.kind) {
    case 'http':
      return openHttp(location.url, { ca: options.ca, idleTimeoutMs: options.idleTimeoutMs });
    case 's3':
      return openS3(location.bucket, location.key, { endpoint: options.s3Endpoint });
    case 'file':
      return openFile(location.path);
  }
}

async function hashExisting(path: string): Promise<{ bytes: number; sha256: string } | undefined> {
  const hash = createHash('sha256');
  let bytes = 0;
  try {
    for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
      hash.update(chunk);
      bytes += chunk.length;
    }
  } catch {
    return undefined;
  }
  return { bytes, sha256: hash.digest('hex') };
}
