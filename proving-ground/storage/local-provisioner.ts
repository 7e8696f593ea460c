import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { V1PersistentVolume, V1PersistentVolumeClaim } from '@kubernetes/client-node';
import type { KubeClient } from '../../src/kube/client.ts';
import { isConflict, isNotFound } from '../../src/kube/errors.ts';
import { Informer } from '../../src/kube/informer.ts';
import type { Cached } from '../../src/kube/object.ts';
import type { Resource } from '../../src/kube/resources.ts';
import { lineLogger } from '../lib/line-logger.ts';
import { describeError } from '../lib/wait.ts';

export const STORAGE_CLASS = 'standard';
export const PROVISIONER = 'modelship.io/local-directory';

const PersistentVolumeClaims: Resource = { group: '', version: 'v1', plural: 'persistentvolumeclaims', kind: 'PersistentVolumeClaim' };
const PersistentVolumes: Resource = { group: '', version: 'v1', plural: 'persistentvolumes', kind: 'PersistentVolume' };

export interface LocalVolumeProvisionerOptions {
  api: KubeClient;
  pvcDir: string;
  log: (line: string) => void;
}

/**
 * A dynamic provisioner for the default StorageClass: each claim gets a
 * directory (<pvcDir>/<namespace>/<claim>) as a hostPath PersistentVolume
 * pre-bound to it, so the scheduler's volume binding and the PV controller
 * behave as in a real cluster and the kubelet mounts the directory. Released
 * volumes (claim deleted) are removed with their directory.
 */
export class LocalVolumeProvisioner {
  private readonly options: LocalVolumeProvisionerOptions;
  private informers: Array<Informer<Cached<V1PersistentVolumeClaim>> | Informer<Cached<V1PersistentVolume>>> = [];
  private readonly inFlight = new Set<string>();

  constructor(options: LocalVolumeProvisionerOptions) {
    this.options = options;
  }

  async start(): Promise<void> {
    await this.ensureStorageClass();
    const informerOptions = { namespaces: [], log: lineLogger('provisioner', this.options.log), minBackoffMs: 500, maxBackoffMs: 10_000 };
    const claims = new Informer<Cached<V1PersistentVolumeClaim>>(this.options.api, PersistentVolumeClaims, informerOptions);
    claims.on({ add: (claim) => void this.provision(claim), update: (_, claim) => void this.provision(claim) });
    const volumes = new Informer<Cached<V1PersistentVolume>>(this.options.api, PersistentVolumes, informerOptions);
    volumes.on({ add: (volume) => void this.reclaim(volume), update: (_, volume) => void this.reclaim(volume) });
    this.informers = [claims, volumes];
    for (const informer of this.informers) informer.start();
  }

  stop(): void {
    for (const informer of this.informers) void informer.stop();
    this.informers = [];
  }

  private async ensureStorageClass(): Promise<void> {
    try {
      await this.options.api.create('/apis/storage.k8s.io/v1/storageclasses', {
        apiVersion: 'storage.k8s.io/v1',
        kind: 'StorageClass',
        metadata: { name: STORAGE_CLASS, annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
        provisioner: PROVISIONER,
        reclaimPolicy: 'Delete',
        volumeBindingMode: 'Immediate',
      });
    } catch (error) {
      if (!isConflict(error)) throw error;
    }
  }

  private async provision(claim: V1PersistentVolumeClaim): Promise<void> {
    const { namespace = 'default', name = '', uid = '' } = claim.metadata ?? {};
    const className = claim.spec?.storageClassName;
    if (claim.spec?.volumeName || claim.status?.phase === 'Bound' || className !== STORAGE_CLASS) return;
    if (this.inFlight.has(uid)) return;
    this.inFlight.add(uid);
    const path = join(this.options.pvcDir, namespace, name);
    try {
      mkdirSync(path, { recursive: true });
      // Writable by any pod user, as local-path provisioners make their directories.
      chmodSync(path, 0o777);
      await this.options.api.create('/api/v1/persistentvolumes', {
        apiVersion: 'v1',
        kind: 'PersistentVolume',
        metadata: { name: `pvc-${uid}`, annotations: { 'pv.kubernetes.io/provisioned-by': PROVISIONER } },
        spec: {
          capacity: { storage: claim.spec?.resources?.requests?.storage ?? '1Gi' },
          accessModes: claim.spec?.accessModes ?? ['ReadWriteOnce'],
          hostPath: { path, type: 'DirectoryOrCreate' },
          claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace, name, uid },
          storageClassName: STORAGE_CLASS,
          persistentVolumeReclaimPolicy: 'Delete',
          volumeMode: claim.spec?.volumeMode ?? 'Filesystem',
        },
      });
      this.options.log(`provisioner: ${namespace}/${name} → ${path}`);
    } catch (error) {
      if (!isConflict(error)) this.options.log(`provisioner: cannot provision ${namespace}/${name}: ${describeError(error)}`);
    } finally {
      this.inFlight.delete(uid);
    }
  }

  private async reclaim(volume: V1PersistentVolume): Promise<void> {
    if (volume.metadata?.annotations?.['pv.kubernetes.io/provisioned-by'] !== PROVISIONER) return;
    if (volume.status?.phase !== 'Released' || volume.spec?.persistentVolumeReclaimPolicy !== 'Delete') return;
    const path = volume.spec?.hostPath?.path;
    try {
      if (path?.startsWith(this.options.pvcDir)) rmSync(path, { recursive: true, force: true });
      await this.options.api.delete(`/api/v1/persistentvolumes/${volume.metadata?.name}`);
    } catch (error) {
      if (!isNotFound(error)) this.options.log(`provisioner: cannot delete ${volume.metadata?.name}: ${describeError(error)}`);
    }
  }
}
