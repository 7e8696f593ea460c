import { isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FetchError } from './fetch-error.ts';

/** Where a model lives, from the ModelDeployment's `spec.model.uri`. */
export type ModelLocation =
  | { kind: 'http'; url: URL }
  | { kind: 's3'; bucket: string; key: string }
  | { kind: 'file'; path: string };

/** `pvcRoot` is where the pod mounts claims: pvc://claim/dir/model.onnx reads <pvcRoot>/claim/dir/model.onnx. */
export function parseModelUri(uri: string, pvcRoot: string): ModelLocation {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new FetchError(`'${uri}' is not a URI (expected https://, s3://, file:// or pvc://)`, false);
  }
  switch (url.protocol) {
    case 'https:':
    case 'http:':
      return { kind: 'http', url };
    case 's3:': {
      const key = decodeURIComponent(url.pathname.replace(/^\//, ''));
      if (url.hostname === '' || key === '') throw new FetchError(`'${uri}' must look like s3://bucket/key`, false);
      return { kind: 's3', bucket: url.hostname, key };
    }
    case 'file:':
      return { kind: 'file', path: fileURLToPath(url) };
    case 'pvc:': {
      const claim = url.hostname;
      const inside = decodeURIComponent(url.pathname.replace(/^\//, ''));
      if (claim === '' || inside === '') throw new FetchError(`'${uri}' must look like pvc://claim/path/to/model`, false);
      const claimRoot = join(pvcRoot, claim);
      const path = resolve(claimRoot, inside);
      const within = relative(claimRoot, path);
      if (within.startsWith('..') || isAbsolute(within)) throw new FetchError(`'${uri}' points outside its claim`, false);
      return { kind: 'file', path };
    }
    default:
      throw new FetchError(`unsupported scheme '${url.protocol}' in '${uri}' (expected https://, s3://, file:// or pvc://)`, false);
  }
}
