// The API objects metrics-server's upstream manifest installs (RBAC, Service, APIService), with the
// Service's Endpoints pointing at the process (metrics-server.ts) instead of a selector matching its Pod.
// Pure: addresses in, objects out.
import { USERS } from '../pki/cluster-pki.ts';

const NAMESPACE = 'kube-system';
const NAME = 'metrics-server';
const USER = { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: USERS.metricsServer.commonName };

export interface MetricsServerEndpoint {
  /** Where the process listens (the host end of the cluster's link). */
  address: string;
  port: number;
  /** Base64 PEM of the CA that signed its serving certificate. */
  caBundle: string;
}

function rbac(): object[] {
  const clusterRole = (name: string, kind = 'ClusterRole'): object => ({ apiGroup: 'rbac.authorization.k8s.io', kind, name });
  return [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: `system:${NAME}` },
      rules: [
        { apiGroups: [''], resources: ['nodes/metrics'], verbs: ['get'] },
        { apiGroups: [''], resources: ['pods', 'nodes'], verbs: ['get', 'list', 'watch'] },
      ],
    },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: `system:${NAME}` }, roleRef: clusterRole(`system:${NAME}`), subjects: [USER] },
    // Delegated authentication and authorization: TokenReviews, SubjectAccessReviews, and the front-proxy CA.
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: `${NAME}:system:auth-delegator` }, roleRef: clusterRole('system:auth-delegator'), subjects: [USER] },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: `${NAME}-auth-reader`, namespace: NAMESPACE },
      roleRef: clusterRole('extension-apiserver-authentication-reader', 'Role'),
      subjects: [USER],
    },
    // Who may read the metrics API: the HPA controller and kubectl top (the upstream aggregated view role).
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: {
        name: `system:${NAME}-aggregated-reader`,
        labels: { 'rbac.authorization.k8s.io/aggregate-to-admin': 'true', 'rbac.authorization.k8s.io/aggregate-to-edit': 'true', 'rbac.authorization.k8s.io/aggregate-to-view': 'true' },
      },
      rules: [{ apiGroups: ['metrics.k8s.io'], resources: ['pods', 'nodes'], verbs: ['get', 'list', 'watch'] }],
    },
  ];
}

export function metricsServerObjects(endpoint: MetricsServerEndpoint): object[] {
  const port = { name: 'https', protocol: 'TCP' };
  return [
    ...rbac(),
    { apiVersion: 'v1', kind: 'Service', metadata: { name: NAME, namespace: NAMESPACE }, spec: { ports: [{ ...port, port: 443, targetPort: endpoint.port }] } },
    {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: NAME, namespace: NAMESPACE },
      subsets: [{ addresses: [{ ip: endpoint.address }], ports: [{ ...port, port: endpoint.port }] }],
    },
    {
      apiVersion: 'apiregistration.k8s.io/v1',
      kind: 'APIService',
      metadata: { name: 'v1beta1.metrics.k8s.io' },
      spec: {
        group: 'metrics.k8s.io',
        version: 'v1beta1',
        service: { name: NAME, namespace: NAMESPACE, port: 443 },
        caBundle: endpoint.caBundle,
        groupPriorityMinimum: 100,
        versionPriority: 100,
      },
    },
  ];
}
