import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKeyPair, issueCertificate, publicKeyPem } from './certificate.ts';
import type { IssuedCertificate } from './certificate.ts';

/** The first address of the default service range: the `kubernetes` Service's ClusterIP. */

/** User names the bootstrap RBAC policy already grants what each component needs. */
export const USERS = {
  admin: { commonName: 'kubernetes-admin', organizations: ['system:masters'] },
  controllerManager: { commonName: 'system:kube-controller-manager' },
  scheduler: { commonName: 'system:kube-scheduler' },
  // Bound to system:node-proxier by the API server's default RBAC.
  kubeProxy: { commonName: 'system:kube-proxy' },
  // The local kubelet acts for several nodes from one process, which the Node
  // authorizer cannot express; it gets its own name so audit logs can tell its
  // writes apart, and cluster-admin rights.
  kubelet: { commonName: 'modelship:local-kubelet', organizations: ['system:masters'] },
  // The API server's identity towards kubelets (logs, exec); the kubelet API serves only this name.
  apiserverKubeletClient: { commonName: 'kube-apiserver-kubelet-client', organizations: ['system:masters'] },
  // metrics-server (metrics-server/metrics-server.ts), towards the API server (its RBAC is the upstream
  // manifest's ClusterRole, bound to this user) and towards kubelets (/metrics/resource only).
  metricsServer: { commonName: 'modelship:metrics-server' },
} as const;

export interface ClusterPki {
  dir: string;
  ca: IssuedCertificate;
  admin: IssuedCertificate;
  controllerManager: IssuedCertificate;
  scheduler: IssuedCertificate;
  kubeProxy: IssuedCertificate;
  kubelet: IssuedCertificate;
  /** The kubelet API's serving certificate, for the nodes' address (all nodes share 127.0.0.1). */
  kubeletServing: IssuedCertificate;
  files: {
    caCertificate: string;
    caKey: string;
    apiserverCertificate: string;
    apiserverKey: string;
    serviceAccountPublicKey: string;
    serviceAccountPrivateKey: string;
    frontProxyCaCertificate: string;
    frontProxyClientCertificate: string;
    frontProxyClientKey: string;
    apiserverKubeletClientCertificate: string;
    apiserverKubeletClientKey: string;
    metricsServerCertificate: string;
    metricsServerKey: string;
    /** metrics-server's serving certificate, for the name the aggregation layer checks: <service>.<namespace>.svc. */
    metricsServerServingCertificate: string;
    metricsServerServingKey: string;
  };
}

/** Generates every certificate and key the control plane needs and writes them under `dir`. */
/**
 * `apiServerAddresses`: the API server's addresses besides loopback: the host end of the cluster's host
 * link, and the `kubernetes` Service's ClusterIP.
 */
export function createClusterPki(dir: string, apiServerAddresses: string[] = []): ClusterPki {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const write = (name: string, content: string): string => {
    const path = join(dir, name);
    writeFileSync(path, content, { mode: 0o600 });
    return path;
  };

  const ca = issueCertificate({ subject: { commonName: 'modelship-proving-ground-ca' }, isCertificateAuthority: true });
  const apiserver = issueCertificate({
    subject: { commonName: 'kube-apiserver' },
    issuer: ca,
    serverAuth: true,
    alternativeNames: [
      '127.0.0.1',
      ...apiServerAddresses,
      '::1',
      'localhost',
      'kubernetes',
      'kubernetes.default',
      'kubernetes.default.svc',
      'kubernetes.default.svc.cluster.local',
    ],
  });
  const client = (subject: { commonName: string; organizations?: readonly string[] }): IssuedCertificate =>
    issueCertificate({
      subject: { commonName: subject.commonName, organizations: [...(subject.organizations ?? [])] },
      issuer: ca,
      clientAuth: true,
    });

  // The aggregation layer authenticates the API server to extension API servers
  // with a separate CA; cheap to provide, and it quiets the components'
  // delegated-authentication warnings.
  const frontProxyCa = issueCertificate({ subject: { commonName: 'modelship-front-proxy-ca' }, isCertificateAuthority: true });
  const frontProxyClient = issueCertificate({ subject: { commonName: 'front-proxy-client' }, issuer: frontProxyCa, clientAuth: true });
  const serviceAccountKeys = generateKeyPair();
  const apiserverKubeletClient = client(USERS.apiserverKubeletClient);
  const metricsServer = client(USERS.metricsServer);
  const metricsServerServing = issueCertificate({
    subject: { commonName: 'metrics-server' },
    issuer: ca,
    serverAuth: true,
    alternativeNames: ['metrics-server.kube-system.svc'],
  });

  const pki: ClusterPki = {
    dir,
    ca,
    admin: client(USERS.admin),
    controllerManager: client(USERS.controllerManager),
    scheduler: client(USERS.scheduler),
    kubeProxy: client(USERS.kubeProxy),
    kubelet: client(USERS.kubelet),
    kubeletServing: issueCertificate({
      subject: { commonName: 'modelship-proving-ground-kubelet' },
      issuer: ca,
      serverAuth: true,
      alternativeNames: ['127.0.0.1', 'localhost'],
    }),
    files: {
      caCertificate: write('ca.crt', ca.certificatePem),
      caKey: write('ca.key', ca.privateKeyPem),
      apiserverCertificate: write('apiserver.crt', apiserver.certificatePem),
      apiserverKey: write('apiserver.key', apiserver.privateKeyPem),
      serviceAccountPublicKey: write('sa.pub', publicKeyPem(serviceAccountKeys)),
      serviceAccountPrivateKey: write('sa.key', serviceAccountKeys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()),
      frontProxyCaCertificate: write('front-proxy-ca.crt', frontProxyCa.certificatePem),
      frontProxyClientCertificate: write('front-proxy-client.crt', frontProxyClient.certificatePem),
      frontProxyClientKey: write('front-proxy-client.key', frontProxyClient.privateKeyPem),
      apiserverKubeletClientCertificate: write('apiserver-kubelet-client.crt', apiserverKubeletClient.certificatePem),
      apiserverKubeletClientKey: write('apiserver-kubelet-client.key', apiserverKubeletClient.privateKeyPem),
      metricsServerCertificate: write('metrics-server.crt', metricsServer.certificatePem),
      metricsServerKey: write('metrics-server.key', metricsServer.privateKeyPem),
      metricsServerServingCertificate: write('metrics-server-serving.crt', metricsServerServing.certificatePem),
      metricsServerServingKey: write('metrics-server-serving.key', metricsServerServing.privateKeyPem),
    },
  };
  return pki;
}
