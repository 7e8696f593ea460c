// A pod's own network namespace, joined to its cluster's bridge by a veth pair (see node-network.ts).
import type { ClusterAddresses } from './addresses.ts';
import { ip, ipQuietly } from './ip.ts';

export interface PodNetns {
  /** /run/netns/<name>: what containers join (nsenter --net=<path>). */
  name: string;
  path: string;
  podIP: string;
}

/** The namespace and bridge-side link names for a pod uid (link names have at most 15 characters). */
export function podNetnsNames(addresses: ClusterAddresses, podUid: string): { netns: string; link: string } {
  const id = podUid.replaceAll('-', '').slice(0, 12);
  if (!/^[0-9a-z]+$/i.test(id)) throw new Error(`pod uid ${JSON.stringify(podUid)} cannot name a network namespace`);
  return { netns: `${addresses.nodeNetns}-${id}`, link: `p${id}` };
}

export async function createPodNetns(addresses: ClusterAddresses, podUid: string, podIP: string): Promise<PodNetns> {
  const { netns, link } = podNetnsNames(addresses, podUid);
  await removePodNetns(addresses, podUid);
  try {
    await ip('netns', 'add', netns);
    await ip('-n', netns, 'link', 'set', 'lo', 'up');
    await ip('-n', addresses.nodeNetns, 'link', 'add', link, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns);
    await ip('-n', addresses.nodeNetns, 'link', 'set', link, 'master', 'br0');
    await ip('-n', addresses.nodeNetns, 'link', 'set', link, 'up');
    await ip('-n', netns, 'addr', 'add', `${podIP}/${addresses.podPrefixLength}`, 'dev', 'eth0');
    await ip('-n', netns, 'link', 'set', 'eth0', 'up');
    await ip('-n', netns, 'route', 'add', 'default', 'via', addresses.gateway, 'dev', 'eth0');
    // A neighbour entry left from an earlier pod with this address would send its packets nowhere.
    await ipQuietly('-n', addresses.nodeNetns, 'neigh', 'flush', 'to', podIP);
  } catch (error) {
    await removePodNetns(addresses, podUid);
    throw error;
  }
  return { name: netns, path: `/run/netns/${netns}`, podIP };
}

/** Deleting the namespace deletes eth0 and with it its bridge-side peer. */
export async function removePodNetns(addresses: ClusterAddresses, podUid: string): Promise<void> {
  const { netns, link } = podNetnsNames(addresses, podUid);
  await ipQuietly('netns', 'delete', netns);
  await ipQuietly('-n', addresses.nodeNetns, 'link', 'delete', link);
}
