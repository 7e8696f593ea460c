import type { KubeClient } from '../kube/client.ts';
import { isNotFound } from '../kube/errors.ts';
import type { ObjectMeta } from '../kube/object.ts';
import { Leases, apiVersionOf, pathFor } from '../kube/resources.ts';

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export interface Lease {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec?: LeaseSpec;
}

/**
 * The three calls leader election makes; a fake stands in for it in unit tests. Each takes the signal
 * that bounds the attempt, so a renewal can never outlast the renew deadline.
 */
export interface LeaseApi {
  get(signal?: AbortSignal): Promise<Lease | undefined>;
  create(spec: LeaseSpec, signal?: AbortSignal): Promise<Lease>;
  /** Optimistic update: fails with 409 when `lease` is no longer the latest version. */
  update(lease: Lease, spec: LeaseSpec, signal?: AbortSignal): Promise<Lease>;
}

export function leaseApi(client: KubeClient, namespace: string, name: string): LeaseApi {
  const path = pathFor(Leases, namespace, name);
  return {
    async get(signal) {
      try {
        return await client.get<Lease>(path, signal ? { signal } : {});
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    },
    create(spec, signal) {
      const body: Lease = { apiVersion: apiVersionOf(Leases), kind: Leases.kind, metadata: { name, namespace }, spec };
      return client.create<Lease>(pathFor(Leases, namespace), body, signal ? { signal } : {});
    },
    update(lease, spec, signal) {
      return client.replace<Lease>(path, { ...lease, spec }, signal ? { signal } : {});
    },
  };
}

/** A MicroTime as the API server parses it: RFC 3339 with exactly six fractional digits. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
