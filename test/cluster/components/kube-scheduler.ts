import type { ClusterPki } from '../pki/cluster-pki.ts';

export interface SchedulerConfig {
  pki: ClusterPki;
  kubeconfigPath: string;
  securePort: number;
}

export function schedulerArgs(config: SchedulerConfig): string[] {
  return [
    'kube-scheduler',
    `--kubeconfig=${config.kubeconfigPath}`,
    `--authentication-kubeconfig=${config.kubeconfigPath}`,
    `--authorization-kubeconfig=${config.kubeconfigPath}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${config.securePort}`,
    // Single instance; see kube-controller-manager.ts.
    '--leader-elect=false',
    `--requestheader-client-ca-file=${config.pki.files.frontProxyCaCertificate}`,
    '--profiling=false',
  ];
}
