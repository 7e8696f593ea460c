import { GetObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { FetchError } from './fetch-error.ts';

export interface S3SourceOptions {
  /** Any S3-compatible endpoint (MinIO, Ceph, R2, …); defaults to AWS_ENDPOINT_URL_S3, then AWS itself. */
  endpoint: string | undefined;
}

// Errors that mean "wrong name or wrong credentials": retrying cannot help.
const PERMANENT_ERRORS = new Set(['NoSuchKey', 'NoSuchBucket', 'AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'NotFound']);

/** Credentials come from the standard AWS chain: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY from a Secret, IRSA, … */
export async function openS3(bucket: string, key: string, options: S3SourceOptions): Promise<Readable> {
  const endpoint = options.endpoint ?? process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
  const client = new S3Client({
    region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
    ...(endpoint === undefined ? {} : { endpoint }),
    // Path-style addressing works with every S3-compatible store; virtual-host style needs wildcard DNS.
    forcePathStyle: true,
    // Retries happen in fetch's own loop, which also covers failures halfway through the download.
    maxAttempts: 1,
  });
  const where = `s3://${bucket}/${key}`;
  try {
    const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    if (response.Body === undefined) throw new FetchError(`${where}: empty response`, true);
    return response.Body as Readable;
  } catch (error) {
    if (error instanceof FetchError) throw error;
    if (error instanceof S3ServiceException) {
      const status = error.$metadata.httpStatusCode;
      const permanent = PERMANENT_ERRORS.has(error.name) || status === 403 || status === 404 || status === 400;
      throw new FetchError(`${where}: ${error.name}${status === undefined ? '' : ` (HTTP ${status})`}: ${error.message}`, !permanent);
    }
    throw new FetchError(`${where}: ${(error as Error).message}`, true);
  }
  // The client is not destroyed here: that would also close the socket the body is still streaming from.
}
