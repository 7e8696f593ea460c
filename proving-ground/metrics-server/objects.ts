// The API objects metrics-server's upstream manifest installs (RBAC, Deployment, Service, APIService), with
// the proving ground's differences, each for a reason:
// - hostNetwork: the nodes' InternalIP is 127.0.0.1 (every kubelet API listens on the host's loopback,
//   node-object.ts), which a pod's own network namespace cannot reach. Real clusters run it the same way
//   where the control plane cannot reach the pod network (EKS with a custom CNI, for one). The pod's IP is
//   then the host end of the cluster link (kubelet/pod-worker.ts), which the API server dials through the
//   Service's EndpointSlice; the port is one free on the host, since parallel clusters share its network.
// - identities from the cluster PKI, in a Secret: a client certificate (user modelship:metrics-server) in a
//   kubeconfig for the API server and for the kubelets' /metrics/resource, verified against the cluster CA
//   (no --kubelet-insecure-tls), and a serving certificate the APIService's caBundle vouches for. No
//   ServiceAccount token: the RBAC below binds that user.
// - the image is built here (Dockerfile, image.ts). Pure: settings in, objects out.
import { USERS } from '../pki/cluster-pki.ts';
import { METRICS_SERVER_IMAGE } from './image.ts';

const NAMESPACE = 'kube-system';
const NAME = 'metrics-server';
const USER = { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: USERS.metricsServer.commonName };

export const METRICS_SERVER_NAMESPACE = NAMESPACE;
export const METRICS_SERVER_NAME = NAME;
/** Where the Secret's files are mounted in the container. */
const CERTS = '/etc/metrics-server';

export interface MetricsServerSettings {
  /** The port it serves on, free on the host (hostNetwork). */
  port: number;
  /** Base64 PEM of the CA that signed its serving certificate and the kubelets'. */
  caBundle: string;
  /** How often it scrapes the kubelets (--metric-resolution), in seconds. */
  resolutionSeconds: number;
  /** Base64 file contents: kubeconfig, client.crt/key (towards the kubelets), serving.crt/key, ca.crt. */
  secretData: Record<string, string>;
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

function args(settings: MetricsServerSettings): string[] {
  return [
    '--bind-address=$(POD_IP)',
    `--secure-port=${settings.port}`,
    `--tls-cert-file=${CERTS}/serving.crt`,
    `--tls-private-key-file=${CERTS}/serving.key`,
    `--kubeconfig=${CERTS}/kubeconfig`,
    `--authentication-kubeconfig=${CERTS}/kubeconfig`,
    `--authorization-kubeconfig=${CERTS}/kubeconfig`,
    '--kubelet-preferred-address-types=InternalIP',
    '--kubelet-use-node-status-port',
    `--kubelet-certificate-authority=${CERTS}/ca.crt`,
    `--kubelet-client-certificate=${CERTS}/client.crt`,
    `--kubelet-client-key=${CERTS}/client.key`,
    `--metric-resolution=${settings.resolutionSeconds}s`,
    // It must stay under 90% of the resolution (10s at the shortest); the kubelets are on this machine.
    '--kubelet-request-timeout=5s',
    '--v=2',
  ];
}

function deployment(settings: MetricsServerSettings): object {
  const labels = { 'k8s-app': NAME };
  const probe = (path: string, periodSeconds: number): object => ({ httpGet: { path, port: 'https', scheme: 'HTTPS' }, periodSeconds, failureThreshold: 3 });
  const container = {
    name: NAME,
    image: METRICS_SERVER_IMAGE,
    imagePullPolicy: 'IfNotPresent',
    args: args(settings),
    env: [{ name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }],
    ports: [{ name: 'https', containerPort: settings.port, protocol: 'TCP' }],
    // /readyz fails until the first scrape has been stored; upstream waits 20s first, /readyz alone is the truth.
    readinessProbe: probe('/readyz', 5),
    livenessProbe: probe('/livez', 10),
    resources: { requests: { cpu: '100m', memory: '200Mi' } },
    // Upstream's restricted context; hostNetwork itself is what Pod Security's restricted level forbids
    // (kube-system carries no enforce label, as in real clusters).
    securityContext: {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    volumeMounts: [{ name: 'certs', mountPath: CERTS, readOnly: true }],
  };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: NAME, namespace: NAMESPACE, labels },
    spec: {
      selector: { matchLabels: labels },
      strategy: { rollingUpdate: { maxUnavailable: 0 } },
      template: {
        metadata: { labels },
        spec: {
          hostNetwork: true,
          automountServiceAccountToken: false,
          priorityClassName: 'system-cluster-critical',
          nodeSelector: { 'kubernetes.io/os': 'linux' },
          containers: [container],
          volumes: [{ name: 'certs', secret: { secretName: `${NAME}-certs` } }],
        },
      },
    },
  };
}

export function metricsServerObjects(settings: MetricsServerSettings): object[] {
  return [
    ...rbac(),
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: `${NAME}-certs`, namespace: NAMESPACE }, type: 'Opaque', data: settings.secretData },
    deployment(settings),
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: NAME, namespace: NAMESPACE, labels: { 'k8s-app': NAME } },
      spec: { selector: { 'k8s-app': NAME }, ports: [{ name: 'https', protocol: 'TCP', port: 443, targetPort: 'https' }] },
    },
    {
      apiVersion: 'apiregistration.k8s.io/v1',
      kind: 'APIService',
      metadata: { name: 'v1beta1.metrics.k8s.io' },
      spec: {
        group: 'metrics.k8s.io',
        version: 'v1beta1',
        service: { name: NAME, namespace: NAMESPACE, port: 443 },
        caBundle: settings.caBundle,
        groupPriorityMinimum: 100,
        versionPriority: 100,
      },
    },
  ];
}
