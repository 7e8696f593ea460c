import { KubeConfig } from '@kubernetes/client-node';
import { dump } from 'js-yaml';
import { KubeClient } from '../src/kube/client.ts';

export type KubeconfigCredentials =
  | { clientCertificatePem: string; clientKeyPem: string }
  /** Read on every use by kubectl (`tokenFile`) and at load by client-node (`token-file`). */
  | { tokenFile: string };

export interface KubeconfigSpec {
  server: string;
  certificateAuthorityPem: string;
  credentials: KubeconfigCredentials;
  /** Names the cluster, user and context entries. */
  name?: string;
  namespace?: string;
}

function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

/** A self-contained kubeconfig: certificates are embedded, so the file can be copied anywhere. */
export function renderKubeconfig(spec: KubeconfigSpec): string {
  const name = spec.name ?? 'modelship';
  const user =
    'tokenFile' in spec.credentials
      ? { tokenFile: spec.credentials.tokenFile, 'token-file': spec.credentials.tokenFile }
      : {
          'client-certificate-data': base64(spec.credentials.clientCertificatePem),
          'client-key-data': base64(spec.credentials.clientKeyPem),
        };
  const context: Record<string, string> = { cluster: name, user: name };
  if (spec.namespace) context.namespace = spec.namespace;
  return dump({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server: spec.server, 'certificate-authority-data': base64(spec.certificateAuthorityPem) } }],
    users: [{ name, user }],
    contexts: [{ name, context }],
    'current-context': name,
    preferences: {},
  });
}

/** src/kube's client for one identity of the cluster, from a kubeconfig built in memory (nothing is written to disk). */
export function kubeClientFor(
  server: string,
  certificateAuthorityPem: string,
  certificate: { certificatePem: string; privateKeyPem: string },
  userAgent: string,
): KubeClient {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(
    renderKubeconfig({
      server,
      certificateAuthorityPem,
      credentials: { clientCertificatePem: certificate.certificatePem, clientKeyPem: certificate.privateKeyPem },
      name: userAgent.replace(/[^a-z0-9-]/g, '-'),
    }),
  );
  return new KubeClient(kubeConfig, userAgent);
}
