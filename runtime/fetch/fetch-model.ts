import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import type { Readable } from 'node:stream';
import type { IncomingMessage } from 'node:http';
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
  /** The whole fetch, every attempt and backoff included, ends by then. */
  deadlineMs: number;
  /** A download growing beyond this is aborted at once, as is one growing beyond its declared length. */
  maxBytes: number;
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
  const deadline = AbortSignal.timeout(options.deadlineMs);
  try {
    return await withRetries(
      options.retry,
      async () => ({ ...(await downloadOnce(location, options, deadline)), alreadyPresent: false }),
      (error, delayMs, attempt) => options.report(`attempt ${attempt} failed: ${error.message}; retrying in ${delayMs} ms`),
      deadline,
    );
  } catch (error) {
    if (!deadline.aborted) throw error;
    throw new FetchError(`fetch of ${options.uri} did not finish within ${options.deadlineMs / 1000} s (--deadline-seconds)`, false);
  }
}

async function downloadOnce(location: ModelLocation, options: FetchOptions, deadline: AbortSignal): Promise<{ bytes: number; sha256: string }> {
  deadline.throwIfAborted();
  const source = await open(location, options);
  const temporary = join(dirname(options.dest), `.${basename(options.dest)}.${randomBytes(6).toString('hex')}.partial`);
  const hash = createHash('sha256');
  const limit = sizeLimit(source, options);
  let bytes = 0;
  const measure = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      bytes += chunk.length;
      // Stop as soon as the download outgrows what it may be, rather than fill the disk and compare digests.
      if (bytes > limit.bytes) callback(new FetchError(`download of ${options.uri} exceeds ${limit.bytes} bytes (${limit.why})`, false));
      else callback(null, chunk);
    },
  });
  try {
    try {
      if (limit.declared > options.maxBytes) {
        throw new FetchError(`${options.uri} is ${limit.declared} bytes, more than --max-bytes ${options.maxBytes}`, false);
      }
      await pipeline(source, measure, createWriteStream(temporary, { flush: true }), { signal: deadline });
    } catch (error) {
      source.destroy();
      if (error instanceof FetchError || deadline.aborted) throw error;
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

/** The most bytes this download may bring: --max-bytes, or less when the source declared its length. */
function sizeLimit(source: Readable, options: FetchOptions): { bytes: number; why: string; declared: number } {
  // HTTP responses, and the S3 SDK's bodies built on them, carry the length the server declared.
  const header = (source as Partial<IncomingMessage>).headers?.['content-length'];
  const declared = header === undefined ? Number.NaN : Number(header);
  if (Number.isSafeInteger(declared) && declared >= 0 && declared < options.maxBytes) {
    return { bytes: declared, why: 'the length the server declared', declared };
  }
  return { bytes: options.maxBytes, why: '--max-bytes', declared: Number.isSafeInteger(declared) ? declared : 0 };
}

function open(location: ModelLocation, options: FetchOptions): Promise<Readable> {
  switch (location.kind) {
    case 'http':
      return openHttp(location.url, { ca: options.ca, idleTimeoutMs: options.idleTimeoutMs });
    case 's3':
      return openS3(location.bucket, location.key, { endpoint: options.s3Endpoint });
    case 'file':
      return openFile(location.path, location.root);
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
