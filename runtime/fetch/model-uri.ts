import { isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FetchError } from './fetch-error.ts';

/** Where a model lives, from the ModelDeployment's `spec.model.uri`. */
export type ModelLocation =
  | { kind: 'http'; url: URL }
  | { kind: 's3'; bucket: string; key: string }
  /** `root`: the file must really be inside it, symlinks resolved (see file-source.ts). */
  | { kind: 'file'; path: string; root: string };

/** A PersistentVolumeClaim name as Kubernetes allows it (DNS-1123 subdomain): never `..` or `.`. */
const CLAIM_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

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
      return { kind: 'file', path: fileURLToPath(url), root: '/' };
    case 'pvc:': {
      const claim = url.hostname;
      const inside = decodeURIComponent(url.pathname.replace(/^\//, ''));
      if (claim === '' || inside === '') throw new FetchError(`'${uri}' must look like pvc://claim/path/to/model`, false);
      if (claim.length > 253 || !CLAIM_NAME.test(claim)) throw new FetchError(`'${claim}' in '${uri}' is not a valid claim name`, false);
      const claimRoot = join(pvcRoot, claim);
      const path = resolve(claimRoot, inside);
      const within = relative(claimRoot, path);
      if (within.startsWith('..') || isAbsolute(within)) throw new FetchError(`'${uri}' points outside its claim`, false);
      return { kind: 'file', path, root: claimRoot };
    }
    default:
      throw new FetchError(`unsupported scheme '${url.protocol}' in '${uri}' (expected https://, s3://, file:// or pvc://)`, false);
  }
}
