import { securedComponentArgs } from './secured-component.ts';
import type { SecuredComponentConfig } from './secured-component.ts';

export type ControllerManagerConfig = SecuredComponentConfig & { serviceCidr: string };

export function controllerManagerArgs(config: ControllerManagerConfig): string[] {
  const files = config.pki.files;
  return [
    'kube-controller-manager',
    ...securedComponentArgs(config),
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
    `--service-cluster-ip-range=${config.serviceCidr}`,
  ];
}
