import type { ClusterPki } from '../pki/cluster-pki.ts';

export const SERVICE_ACCOUNT_ISSUER = 'https://kubernetes.default.svc.cluster.local';

export interface ApiServerConfig {
  pki: ClusterPki;
  etcdUrl: string;
  /** Where it serves and what it advertises as the `kubernetes` Service's endpoint. */
  address: string;
  serviceCidr: string;
  securePort: number;
  auditPolicyPath: string;
  auditLogPath: string;
}

/** The API server serves on the host end of the cluster's host link, so pods reach it too (node-network.ts). */
export function apiServerUrl(config: { address: string; securePort: number }): string {
  return `https://${config.address}:${config.securePort}`;
}

export function apiServerArgs(config: ApiServerConfig): string[] {
  const files = config.pki.files;
  return [
    'kube-apiserver',
    `--etcd-servers=${config.etcdUrl}`,
    `--bind-address=${config.address}`,
    `--advertise-address=${config.address}`,
    `--secure-port=${config.securePort}`,
    `--tls-cert-file=${files.apiserverCertificate}`,
    `--tls-private-key-file=${files.apiserverKey}`,
    `--client-ca-file=${files.caCertificate}`,
    '--authorization-mode=Node,RBAC',
    '--enable-admission-plugins=NodeRestriction',
    // Bound service-account tokens (TokenRequest API): the kubelet asks for
    // them, pods reach the API server with them, RBAC applies.
    `--service-account-issuer=${SERVICE_ACCOUNT_ISSUER}`,
    `--service-account-key-file=${files.serviceAccountPublicKey}`,
    `--service-account-signing-key-file=${files.serviceAccountPrivateKey}`,
    `--service-cluster-ip-range=${config.serviceCidr}`,
    '--allow-privileged=true',
    `--requestheader-client-ca-file=${files.frontProxyCaCertificate}`,
    '--requestheader-allowed-names=front-proxy-client',
    '--requestheader-username-headers=X-Remote-User',
    '--requestheader-group-headers=X-Remote-Group',
    '--requestheader-extra-headers-prefix=X-Remote-Extra-',
    `--proxy-client-cert-file=${files.frontProxyClientCertificate}`,
    `--proxy-client-key-file=${files.frontProxyClientKey}`,
    // The aggregation layer dials an APIService's endpoints directly rather than its ClusterIP, as control
    // planes without kube-proxy on their hosts do: metrics-server listens on the host itself
    // (metrics-server/metrics-server.ts), and the ClusterIP's way through the node namespace would lead back here.
    '--enable-aggregator-routing=true',
    `--audit-policy-file=${config.auditPolicyPath}`,
    `--audit-log-path=${config.auditLogPath}`,
    '--audit-log-format=json',
    '--audit-log-maxsize=200',
    '--audit-log-maxbackup=1',
    '--profiling=false',
    // Logs go through the nodes' kubelet API (kubelet/kubelet-server.ts): the API server authenticates
    // with its client certificate and verifies the kubelet's serving certificate against the cluster CA.
    `--kubelet-client-certificate=${files.apiserverKubeletClientCertificate}`,
    `--kubelet-client-key=${files.apiserverKubeletClientKey}`,
    `--kubelet-certificate-authority=${files.caCertificate}`,
    '--kubelet-preferred-address-types=InternalIP',
  ];
}
