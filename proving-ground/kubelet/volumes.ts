import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import type { V1KeyToPath, V1Pod, V1Volume } from '@kubernetes/client-node';
import type { ObjectSource } from './env.ts';
import { fieldValue } from './env.ts';

/** A volume that cannot be set up yet (missing ConfigMap, Secret, claim…); the pod stays ContainerCreating and we retry. */
export class VolumeSetupError extends Error {
  override name = 'VolumeSetupError';
}

export interface TokenRequestSpec {
  namespace: string;
  serviceAccountName: string;
  audience: string | undefined;
  expirationSeconds: number;
  podName: string;
  podUid: string;
}

export interface IssuedToken {
  token: string;
  /** ISO time */
  expirationTimestamp: string;
}

export interface VolumeServices {
  objects: ObjectSource;
  requestToken(spec: TokenRequestSpec): Promise<IssuedToken>;
  /** Host directory of a PersistentVolumeClaim. */
  claimDirectory(namespace: string, claimName: string): Promise<string>;
}

/** A projected service-account token file, to be refreshed before it expires. */
export interface TokenFile {
  path: string;
  spec: TokenRequestSpec;
  expirationTimestamp: string;
  issuedAt: number;
}

export interface PreparedVolumes {
  /** Volume name → host directory (or file, for a hostPath file). */
  hostPaths: Map<string, string>;
  tokenFiles: TokenFile[];
}

export interface VolumeContext {
  pod: V1Pod;
  podDir: string;
  podIP: string;
  hostIP: string;
  services: VolumeServices;
}

export async function prepareVolumes(context: VolumeContext): Promise<PreparedVolumes> {
  const prepared: PreparedVolumes = { hostPaths: new Map(), tokenFiles: [] };
  for (const volume of context.pod.spec?.volumes ?? []) {
    prepared.hostPaths.set(volume.name, await prepareVolume(volume, context, prepared.tokenFiles));
  }
  return prepared;
}

async function prepareVolume(volume: V1Volume, context: VolumeContext, tokenFiles: TokenFile[]): Promise<string> {
  const namespace = context.pod.metadata?.namespace ?? 'default';
  const { objects } = context.services;
  const dir = join(context.podDir, 'volumes', volume.name);

  if (volume.hostPath) {
    // A hostPath is a host path already; make directories on demand as Docker did.
    if (!volume.hostPath.type || volume.hostPath.type === 'DirectoryOrCreate') mkdirSync(volume.hostPath.path, { recursive: true });
    return volume.hostPath.path;
  }
  if (volume.persistentVolumeClaim) {
    return context.services.claimDirectory(namespace, volume.persistentVolumeClaim.claimName);
  }

  mkdirSync(dir, { recursive: true });
  if (volume.emptyDir) {
    // As the kubelet makes them: writable by whatever user the containers run as.
    chmodSync(dir, 0o777);
    return dir;
  }

  if (volume.configMap) {
    const source = volume.configMap;
    const configMap = await objects.configMap(namespace, source.name ?? '');
    if (!configMap) {
      if (source.optional) return dir;
      throw new VolumeSetupError(`configmap "${source.name}" not found`);
    }
    writeKeys(dir, textEntries(configMap.data, configMap.binaryData), source.items, `ConfigMap ${namespace}/${source.name}`, source.optional);
    return dir;
  }
  if (volume.secret) {
    const source = volume.secret;
    const secret = await objects.secret(namespace, source.secretName ?? '');
    if (!secret) {
      if (source.optional) return dir;
      throw new VolumeSetupError(`secret "${source.secretName}" not found`);
    }
    writeKeys(dir, textEntries(undefined, secret.data), source.items, `Secret ${namespace}/${source.secretName}`, source.optional);
    return dir;
  }
  if (volume.downwardAPI) {
    for (const item of volume.downwardAPI.items ?? []) {
      if (item.fieldRef) writeInside(dir, item.path, fieldValue(item.fieldRef.fieldPath, context));
    }
    return dir;
  }
  if (volume.projected) {
    for (const source of volume.projected.sources ?? []) {
      if (source.serviceAccountToken) {
        const spec: TokenRequestSpec = {
          namespace,
          serviceAccountName: context.pod.spec?.serviceAccountName || 'default',
          audience: source.serviceAccountToken.audience || undefined,
          expirationSeconds: source.serviceAccountToken.expirationSeconds ?? 3600,
          podName: context.pod.metadata?.name ?? '',
          podUid: context.pod.metadata?.uid ?? '',
        };
        const issued = await context.services.requestToken(spec);
        // The projected volume's default mode (0644): readable by the container's non-root user.
        const path = writeInside(dir, source.serviceAccountToken.path, issued.token, volume.projected.defaultMode ?? 0o644);
        tokenFiles.push({ path, spec, expirationTimestamp: issued.expirationTimestamp, issuedAt: Date.now() });
      }
      if (source.configMap) {
        const configMap = await objects.configMap(namespace, source.configMap.name ?? '');
        if (!configMap && !source.configMap.optional) throw new VolumeSetupError(`configmap "${source.configMap.name}" not found`);
        if (configMap) {
          writeKeys(dir, textEntries(configMap.data, configMap.binaryData), source.configMap.items, `ConfigMap ${namespace}/${source.configMap.name}`, source.configMap.optional);
        }
      }
      if (source.secret) {
        const secret = await objects.secret(namespace, source.secret.name ?? '');
        if (!secret && !source.secret.optional) throw new VolumeSetupError(`secret "${source.secret.name}" not found`);
        if (secret) writeKeys(dir, textEntries(undefined, secret.data), source.secret.items, `Secret ${namespace}/${source.secret.name}`, source.secret.optional);
      }
      for (const item of source.downwardAPI?.items ?? []) {
        if (item.fieldRef) writeInside(dir, item.path, fieldValue(item.fieldRef.fieldPath, context));
      }
    }
    return dir;
  }
  // csi, ephemeral, nfs, …: nothing to mount here; an empty directory keeps the pod running.
  return dir;
}

/** Key → bytes, from a ConfigMap's data/binaryData or a Secret's (base64) data. */
function textEntries(plain: Record<string, string> | undefined, base64: Record<string, string> | undefined): Map<string, Buffer> {
  const entries = new Map<string, Buffer>();
  for (const [key, value] of Object.entries(plain ?? {})) entries.set(key, Buffer.from(value, 'utf8'));
  for (const [key, value] of Object.entries(base64 ?? {})) entries.set(key, Buffer.from(value, 'base64'));
  return entries;
}

function writeKeys(dir: string, entries: Map<string, Buffer>, items: V1KeyToPath[] | undefined, what: string, optional: boolean | undefined): void {
  if (!items || items.length === 0) {
    for (const [key, value] of entries) writeInside(dir, key, value);
    return;
  }
  for (const item of items) {
    const value = entries.get(item.key);
    if (value === undefined) {
      if (optional) continue;
      throw new VolumeSetupError(`couldn't find key ${item.key} in ${what}`);
    }
    writeInside(dir, item.path, value, item.mode);
  }
}

/** Writes a file under `dir`, refusing paths that climb out of it. */
export function writeInside(dir: string, relativePath: string, content: string | Buffer, mode = 0o644): string {
  const path = normalize(join(dir, relativePath));
  if (!path.startsWith(`${normalize(dir)}/`)) throw new VolumeSetupError(`volume path ${relativePath} leaves its volume`);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content, { mode });
  return path;
}
