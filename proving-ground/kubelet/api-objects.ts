import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { V1ConfigMap, V1PersistentVolume, V1PersistentVolumeClaim, V1Secret } from '@kubernetes/client-node';
import type { KubeClient } from '../../src/kube/client.ts';
import { isNotFound } from '../../src/kube/errors.ts';
import type { IssuedToken, TokenRequestSpec, VolumeServices } from './volumes.ts';
import { VolumeSetupError } from './volumes.ts';

async function getOrUndefined<T>(api: KubeClient, path: string): Promise<T | undefined> {
  try {
    return await api.get<T>(path);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

interface TokenRequestResponse {
  status: { token: string; expirationTimestamp: string };
}

/** The API reads and the TokenRequest call that volumes and env need, over the kubelet's client. */
export function apiVolumeServices(api: KubeClient, pvcDir: string): VolumeServices {
  return {
    objects: {
      configMap: (namespace, name) => getOrUndefined<V1ConfigMap>(api, `/api/v1/namespaces/${namespace}/configmaps/${name}`),
      secret: (namespace, name) => getOrUndefined<V1Secret>(api, `/api/v1/namespaces/${namespace}/secrets/${name}`),
    },

    async requestToken(spec: TokenRequestSpec): Promise<IssuedToken> {
      // A token bound to the pod: it stops working when the pod is deleted, as in a real cluster.
      const response = await api.create<TokenRequestResponse>(
        `/api/v1/namespaces/${spec.namespace}/serviceaccounts/${spec.serviceAccountName}/token`,
        {
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'TokenRequest',
          spec: {
            audiences: spec.audience ? [spec.audience] : [],
            expirationSeconds: spec.expirationSeconds,
            boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: spec.podName, uid: spec.podUid },
          },
        },
      ).catch((error: unknown) => {
        if (isNotFound(error)) throw new VolumeSetupError(`serviceaccount "${spec.serviceAccountName}" not found`);
        throw error;
      });
      return { token: response.status.token, expirationTimestamp: response.status.expirationTimestamp };
    },

    async claimDirectory(namespace: string, claimName: string): Promise<string> {
      const claim = await getOrUndefined<V1PersistentVolumeClaim>(api, `/api/v1/namespaces/${namespace}/persistentvolumeclaims/${claimName}`);
      if (!claim) throw new VolumeSetupError(`persistentvolumeclaim "${claimName}" not found`);
      const volumeName = claim.spec?.volumeName;
      if (volumeName) {
        const volume = await getOrUndefined<V1PersistentVolume>(api, `/api/v1/persistentvolumes/${volumeName}`);
        const path = volume?.spec?.hostPath?.path ?? volume?.spec?.local?.path;
        if (path) {
          mkdirSync(path, { recursive: true });
          return path;
        }
      }
      const dir = join(pvcDir, namespace, claimName);
      mkdirSync(dir, { recursive: true });
      return dir;
    },
  };
}
