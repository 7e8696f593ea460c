/**
 * The addresses of one cluster's network, all derived from the cluster's network index k (claimed
 * machine-wide, see claim.ts) so that clusters running side by side never overlap:
 * - pods: 10.<200+k>.0.0/16, the bridge (the pods' gateway) at 10.<200+k>.0.1;
 * - Services: 10.<150+k>.0.0/16 (the API server's --service-cluster-ip-range), `kubernetes` at .0.1;
 * - the host link: 100.64.<k>.1/30 on the host, 100.64.<k>.2/30 in the node namespace. Not link-local
 *   (169.254/16): the API server advertises the host end, and Endpoints refuse link-local addresses.
 */
export const MAX_NETWORKS = 50;

export interface ClusterAddresses {
  index: number;
  /** The node network namespace (/run/netns/<name>). */
  nodeNetns: string;
  /** The host end of the host link (an interface in the host's namespace). */
  hostLink: string;
  podCidr: string;
  podPrefixLength: number;
  serviceCidr: string;
  /** The ClusterIP of the `kubernetes` Service (the first of the Service range). */
  kubernetesServiceIp: string;
  gateway: string;
  hostAddress: string;
  nodeAddress: string;
}

export function clusterAddresses(index: number): ClusterAddresses {
  if (!Number.isInteger(index) || index < 0 || index >= MAX_NETWORKS) throw new Error(`network index must be 0..${MAX_NETWORKS - 1}, not ${index}`);
  const octet = 200 + index;
  return {
    index,
    nodeNetns: `ms-${index}`,
    hostLink: `ms-${index}-host`,
    podCidr: `10.${octet}.0.0/16`,
    podPrefixLength: 16,
    serviceCidr: `10.${150 + index}.0.0/16`,
    kubernetesServiceIp: `10.${150 + index}.0.1`,
    gateway: `10.${octet}.0.1`,
    hostAddress: `100.64.${index}.1`,
    nodeAddress: `100.64.${index}.2`,
  };
}

/** The first address pods of the cluster get (the gateway is .0.1). */
export function firstPodAddress(addresses: ClusterAddresses): string {
  return addresses.gateway.replace(/\.1$/, '.2');
}

/** The last address pods of the cluster get. */
export function lastPodAddress(addresses: ClusterAddresses): string {
  return addresses.gateway.replace(/\.0\.1$/, '.255.254');
}
