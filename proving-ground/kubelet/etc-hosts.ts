import type { V1Pod } from '@kubernetes/client-node';

/** The kubelet's managed /etc/hosts for a pod that does not use the host's network (kubelet_pods.go). */
export function managedHostsFile(podIP: string, hostname: string, pod: V1Pod): string {
  const lines = [
    '# Kubernetes-managed hosts file.',
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'fe00::0\tip6-mcastprefix',
    'fe00::1\tip6-allnodes',
    'fe00::2\tip6-allrouters',
  ];
  const subdomain = pod.spec?.subdomain;
  const namespace = pod.metadata?.namespace ?? 'default';
  lines.push(subdomain ? `${podIP}\t${hostname}.${subdomain}.${namespace}.svc.cluster.local\t${hostname}` : `${podIP}\t${hostname}`);
  const aliases = pod.spec?.hostAliases ?? [];
  if (aliases.length > 0) lines.push('# Entries added by HostAliases.');
  for (const alias of aliases) lines.push(`${alias.ip}\t${(alias.hostnames ?? []).join('\t')}`);
  return `${lines.join('\n')}\n`;
}
