// One cluster's network, as a CNI bridge plugin builds it on a node, inside namespaces we create and
// remove ourselves (docs/adr/0007-pod-network.md):
//
//   host netns                     node netns ms-<k>                       pod netns ms-<k>-<pod>
//   ms-<k>-host 100.64.k.1/30 ── uplink 100.64.k.2/30
//                                  br0 10.<200+k>.0.1/16 ── p<pod> ────── eth0 10.<200+k>.x.y/16
//
// The node netns forwards between the host link and the bridge and has no default route, so nothing
// from a pod can go further than the host's own addresses; the host routes the pod CIDR into the node
// netns and never forwards (its ip_forward stays as it is). Removing the node netns removes the bridge
// and both ends of the host link, and with them the host's route.
import { clusterAddresses } from './addresses.ts';
import type { ClusterAddresses } from './addresses.ts';
import { claimNetworkIndex } from './claim.ts';
import { inNetns, ip, ipQuietly, listNetns } from './ip.ts';
import type { HostProgram } from '../lib/debian-packages.ts';

/** What building the network and running kube-proxy in it needs on the host (lib/debian-packages.ts). */
export const NETWORK_PROGRAMS: readonly HostProgram[] = [
  { command: 'ip', debianPackage: 'iproute2' },
  { command: 'nsenter', debianPackage: 'util-linux' },
  { command: 'iptables', debianPackage: 'iptables' },
];

export interface NodeNetwork {
  addresses: ClusterAddresses;
  /** Removes every pod netns of the cluster, the node netns, the host link and the claim. */
  remove(): Promise<void>;
}

export async function createNodeNetwork(options: { lockDir?: string } = {}): Promise<NodeNetwork> {
  const claim = claimNetworkIndex(options.lockDir);
  const addresses = clusterAddresses(claim.index);
  try {
    // A claim taken over from a dead owner may come with its namespaces; a fresh one may not.
    await removeClusterNetwork(addresses);
    await build(addresses);
  } catch (error) {
    await removeClusterNetwork(addresses);
    claim.release();
    throw error;
  }
  let removing: Promise<void> | undefined;
  return {
    addresses,
    remove: () =>
      (removing ??= (async () => {
        await removeClusterNetwork(addresses);
        claim.release();
      })()),
  };
}

async function build(a: ClusterAddresses): Promise<void> {
  await ip('netns', 'add', a.nodeNetns);
  await ip('-n', a.nodeNetns, 'link', 'set', 'lo', 'up');
  await ip('-n', a.nodeNetns, 'link', 'add', 'br0', 'type', 'bridge');
  await ip('-n', a.nodeNetns, 'addr', 'add', `${a.gateway}/${a.podPrefixLength}`, 'dev', 'br0');
  await ip('-n', a.nodeNetns, 'link', 'set', 'br0', 'up');
  await ip('link', 'add', a.hostLink, 'type', 'veth', 'peer', 'name', 'uplink', 'netns', a.nodeNetns);
  await ip('addr', 'add', `${a.hostAddress}/30`, 'dev', a.hostLink);
  await ip('link', 'set', a.hostLink, 'up');
  await ip('-n', a.nodeNetns, 'addr', 'add', `${a.nodeAddress}/30`, 'dev', 'uplink');
  await ip('-n', a.nodeNetns, 'link', 'set', 'uplink', 'up');
  await inNetns(a.nodeNetns, 'echo 1 > /proc/sys/net/ipv4/ip_forward');
  await ip('route', 'add', a.podCidr, 'via', a.nodeAddress, 'dev', a.hostLink);
  // ClusterIPs are programmed by kube-proxy in the node netns; the host sends them there too.
  await ip('route', 'add', a.serviceCidr, 'via', a.nodeAddress, 'dev', a.hostLink);
}

/** Removes whatever exists of a cluster's network (pod namespaces first). */
export async function removeClusterNetwork(a: ClusterAddresses): Promise<void> {
  for (const name of await listNetns()) {
    if (name.startsWith(`${a.nodeNetns}-`)) await ipQuietly('netns', 'delete', name);
  }
  await ipQuietly('netns', 'delete', a.nodeNetns);
  // Normally gone with the node netns; not if building stopped half-way.
  await ipQuietly('link', 'delete', a.hostLink);
}
