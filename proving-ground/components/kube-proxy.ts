import type { ClusterAddresses } from '../network/addresses.ts';

export interface KubeProxyConfig {
  binary: string;
  kubeconfigPath: string;
  network: ClusterAddresses;
  /** The node kube-proxy acts for; every node of the cluster shares the node netns (ADR 0007). */
  nodeName: string;
  healthzPort: number;
  metricsPort: number;
}

/**
 * The command that runs upstream kube-proxy (iptables mode) inside the cluster's node netns, so its
 * rules live there and go with it. Its endpoints listen on the node end of the host link, where the
 * host reaches them.
 */
export function kubeProxyCommand(config: KubeProxyConfig): { command: string; args: string[] } {
  const { network } = config;
  return {
    command: 'nsenter',
    args: [
      `--net=/run/netns/${network.nodeNetns}`,
      '--',
      config.binary,
      'kube-proxy',
      `--kubeconfig=${config.kubeconfigPath}`,
      '--proxy-mode=iptables',
      `--cluster-cidr=${network.podCidr}`,
      `--hostname-override=${config.nodeName}`,
      `--bind-address=${network.nodeAddress}`,
      `--healthz-bind-address=${network.nodeAddress}:${config.healthzPort}`,
      `--metrics-bind-address=${network.nodeAddress}:${config.metricsPort}`,
      // Pods share one bridge: without SNAT a backend on the same bridge would answer the client
      // directly, past the node netns's connection tracking, and the client would drop the reply.
      '--masquerade-all',
      // Leave the machine's conntrack table settings alone (they are not per namespace).
      '--conntrack-max-per-core=0',
      '--conntrack-tcp-timeout-established=0',
      '--conntrack-tcp-timeout-close-wait=0',
      '--iptables-localhost-nodeports=false',
    ],
  };
}

export function kubeProxyHealthzUrl(config: Pick<KubeProxyConfig, 'network' | 'healthzPort'>): string {
  return `http://${config.network.nodeAddress}:${config.healthzPort}/healthz`;
}
