import type { ClusterPki } from '../pki/cluster-pki.ts';
import { SERVICE_CLUSTER_IP_RANGE } from '../pki/cluster-pki.ts';

export interface ControllerManagerConfig {
  pki: ClusterPki;
  kubeconfigPath: string;
  securePort: number;
}

export function controllerManagerArgs(config: ControllerManagerConfig): string[] {
  const files = config.pki.files;
  return [
    'kube-controller-manager',
    `--kubeconfig=${config.kubeconfigPath}`,
    `--authentication-kubeconfig=${config.kubeconfigPath}`,
    `--authorization-kubeconfig=${config.kubeconfigPath}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${config.securePort}`,
    // One instance only; leader election would also renew a Lease every two
    // seconds, which shows up as steady-state writes in the audit log.
    '--leader-elect=false',
    // Every on-by-default controller: deployment, replicaset, garbage
    // collector, horizontal-pod-autoscaler, endpointslice, node-lifecycle,
    // serviceaccount(-token), namespace, root-ca-cert-publisher, …
    '--controllers=*',
    // Each controller acts under its own service account, as in real
    // clusters, so RBAC is exercised for them too.
    '--use-service-account-credentials=true',
    `--service-account-private-key-file=${files.serviceAccountPrivateKey}`,
    `--root-ca-file=${files.caCertificate}`,
    `--cluster-signing-cert-file=${files.caCertificate}`,
    `--cluster-signing-key-file=${files.caKey}`,
    `--service-cluster-ip-range=${SERVICE_CLUSTER_IP_RANGE}`,
    `--requestheader-client-ca-file=${files.frontProxyCaCertificate}`,
    '--profiling=false',
  ];
}
