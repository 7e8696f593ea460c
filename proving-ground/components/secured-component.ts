import type { ClusterPki } from '../pki/cluster-pki.ts';

/** What the controller-manager and the scheduler need to reach the API server and serve their own port. */
export interface SecuredComponentConfig {
  pki: ClusterPki;
  kubeconfigPath: string;
  securePort: number;
}

/**
 * Flags the controller-manager and the scheduler share: one kubeconfig for everything, a loopback secure
 * port, and a single instance.
 */
export function securedComponentArgs(config: SecuredComponentConfig): string[] {
  return [
    `--kubeconfig=${config.kubeconfigPath}`,
    `--authentication-kubeconfig=${config.kubeconfigPath}`,
    `--authorization-kubeconfig=${config.kubeconfigPath}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${config.securePort}`,
    // One instance only; leader election would also renew a Lease every two
    // seconds, which shows up as steady-state writes in the audit log.
    '--leader-elect=false',
    `--requestheader-client-ca-file=${config.pki.files.frontProxyCaCertificate}`,
    '--profiling=false',
  ];
}
