/**
 * The Helm chart's values, as a TypeBox schema: the source of charts/modelship/values.schema.json
 * (written by src/chart/generate.ts, checked for staleness by `npm run crds:check`).
 *
 * Helm validates values against the JSON schema before rendering, so a typo such as `replicas:` instead of
 * `replicaCount:` or `rbac.scope: clusterwide` fails `helm install` with the path of the bad value instead
 * of rendering a broken operator.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';

const Strict = { additionalProperties: false } as const;

/** A string enum as JSON Schema `enum`, which Helm reports as "value must be one of …". */
const Enum = <T extends string>(values: readonly T[], description: string) =>
  Type.Unsafe<T>({ type: 'string', enum: [...values], description });

const Port = (description: string) => Type.Integer({ minimum: 1, maximum: 65535, description });
const Labels = (description: string) => Type.Record(Type.String(), Type.String(), { description });
const FreeObject = (description: string) => Type.Object({}, { additionalProperties: true, description });
const FreeObjects = (description: string) => Type.Array(FreeObject('A Kubernetes object, passed through.'), { description });

const Image = (what: string) =>
  Type.Object(
    {
      repository: Type.String({
        minLength: 1,
        pattern: '^[^\\s@]+$',
        description: `${what} image repository, without tag or digest.`,
      }),
      tag: Type.String({
        pattern: '^([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?$',
        description: `${what} image tag; empty means the chart's appVersion.`,
      }),
      digest: Type.String({
        pattern: '^(sha256:[a-f0-9]{64})?$',
        description: `${what} image digest (sha256:<64 hex>); when set it wins over the tag.`,
      }),
    },
    Strict,
  );

const Quantities = Type.Record(Type.String(), Type.Union([Type.String({ minLength: 1 }), Type.Number({ minimum: 0 })]));

const Probe = Type.Object(
  {
    initialDelaySeconds: Type.Integer({ minimum: 0 }),
    periodSeconds: Type.Integer({ minimum: 1 }),
    timeoutSeconds: Type.Integer({ minimum: 1 }),
    failureThreshold: Type.Integer({ minimum: 1 }),
    successThreshold: Type.Integer({ minimum: 1 }),
  },
  { ...Strict, description: 'Probe timings; the chart sets the path and port.' },
);

const IntOrPercent = Type.Union([Type.Integer({ minimum: 0 }), Type.String({ pattern: '^[0-9]{1,3}%$' })]);
const Duration = Type.String({ pattern: '^([0-9]+(ms|s|m|h))+$', description: 'A Prometheus duration, e.g. 30s.' });
const Dns1123Label = Type.String({
  minLength: 1,
  maxLength: 63,
  pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$',
  description: 'A namespace name.',
});

export const ValuesSchema = Type.Object(
  {
    nameOverride: Type.String({ description: 'Overrides the chart name in resource names.' }),
    fullnameOverride: Type.String({ description: 'Overrides the full resource name prefix.' }),
    global: Type.Optional(FreeObject('Values shared with parent and sibling charts; unused by this chart.')),
    crds: Type.Object(
      {
        enabled: Type.Boolean({ description: 'Install and upgrade the ModelDeployment CRD with the chart.' }),
        keep: Type.Boolean({ description: 'Keep the CRD on uninstall (helm.sh/resource-policy: keep).' }),
      },
      Strict,
    ),
    image: Type.Object(
      {
        ...Image('Operator').properties,
        pullPolicy: Enum(['Always', 'IfNotPresent', 'Never'], 'Image pull policy.'),
      },
      Strict,
    ),
    runtime: Type.Object({ image: Image('Default runtime') }, Strict),
    imagePullSecrets: Type.Array(Type.Object({ name: Type.String({ minLength: 1 }) }, Strict)),
    replicaCount: Type.Integer({ minimum: 0, description: 'Operator replicas; one leader at a time.' }),
    leaderElection: Type.Object(
      { enabled: Type.Boolean({ description: 'Lease-based leader election; needed when replicaCount > 1.' }) },
      Strict,
    ),
    watchNamespaces: Type.Array(Dns1123Label, {
      uniqueItems: true,
      description: 'Namespaces to reconcile; empty means all (or the release namespace when rbac.scope=namespaced).',
    }),
    logLevel: Enum(['trace', 'debug', 'info', 'warn', 'error'], 'Operator log level.'),
    extraArgs: Type.Array(Type.String(), { description: 'Extra operator arguments.' }),
    extraEnv: FreeObjects('Extra environment variables (Kubernetes EnvVar objects).'),
    bindAddress: Type.String({ description: 'Host the operator listens on; empty (the default) for all interfaces.' }),
    metrics: Type.Object(
      {
        port: Port('Port of /metrics.'),
        service: Type.Object(
          {
            enabled: Type.Boolean(),
            type: Enum(['ClusterIP', 'NodePort', 'LoadBalancer'], 'Type of the metrics Service.'),
            annotations: Labels('Annotations on the metrics Service.'),
          },
          Strict,
        ),
        serviceMonitor: Type.Object(
          {
            enabled: Type.Boolean(),
            interval: Duration,
            scrapeTimeout: Duration,
            labels: Labels('Extra labels on the ServiceMonitor.'),
          },
          Strict,
        ),
      },
      Strict,
    ),
    health: Type.Object({ port: Port('Port of /healthz and /readyz.') }, Strict),
    rbac: Type.Object(
      {
        create: Type.Boolean(),
        scope: Enum(['cluster', 'namespaced'], 'cluster: a ClusterRole; namespaced: a Role in each watched namespace.'),
        aggregateToDefaultRoles: Type.Boolean({
          description: 'Aggregate ModelDeployment rights into the built-in view/edit/admin roles.',
        }),
      },
      Strict,
    ),
    serviceAccount: Type.Object(
      {
        create: Type.Boolean(),
        name: Type.String(),
        annotations: Labels('Annotations on the ServiceAccount.'),
        automountServiceAccountToken: Type.Boolean(),
      },
      Strict,
    ),
    podAnnotations: Labels('Extra pod annotations.'),
    podLabels: Labels('Extra pod labels.'),
    podSecurityContext: FreeObject('Pod securityContext.'),
    securityContext: FreeObject('Container securityContext.'),
    resources: Type.Object(
      { requests: Type.Optional(Quantities), limits: Type.Optional(Quantities), claims: Type.Optional(FreeObjects('')) },
      { ...Strict, description: 'Operator container resources (requests, limits).' },
    ),
    livenessProbe: Type.Partial(Probe),
    readinessProbe: Type.Partial(Probe),
    terminationGracePeriodSeconds: Type.Integer({ minimum: 0 }),
    priorityClassName: Type.String(),
    nodeSelector: Labels('Node labels the operator pods must match.'),
    tolerations: FreeObjects('Pod tolerations.'),
    affinity: FreeObject('Pod affinity.'),
    topologySpreadConstraints: FreeObjects('Pod topology spread constraints.'),
    podDisruptionBudget: Type.Object(
      {
        enabled: Type.Boolean(),
        minAvailable: IntOrPercent,
        maxUnavailable: Type.Union([Type.Null(), IntOrPercent], {
          description: 'When set, used instead of minAvailable.',
        }),
      },
      Strict,
    ),
    networkPolicy: Type.Object(
      {
        enabled: Type.Boolean(),
        metricsFrom: FreeObjects('NetworkPolicy peers allowed to scrape /metrics; empty allows all.'),
        egress: FreeObjects('NetworkPolicy egress rules; empty leaves egress open.'),
      },
      Strict,
    ),
    metricsAdapter: Type.Object(
      {
        enabled: Type.Boolean({ description: 'Deploy the custom.metrics.k8s.io adapter and its APIService.' }),
        replicaCount: Type.Integer({ minimum: 1, description: 'Adapter replicas (each answers on its own; no leader).' }),
        port: Port('HTTPS port of the adapter.'),
        scrapeTimeoutMs: Type.Integer({ minimum: 1, maximum: 30_000, description: 'Timeout of one runtime pod\'s /metrics.' }),
        cacheMs: Type.Integer({ minimum: 1, maximum: 60_000, description: 'How long one scrape of a pod is reused.' }),
        resources: Type.Object(
          { requests: Type.Optional(Quantities), limits: Type.Optional(Quantities) },
          { ...Strict, description: 'Adapter container resources.' },
        ),
      },
      Strict,
    ),
  },
  { ...Strict, title: 'Values for the modelship chart' },
);

export type Values = Static<typeof ValuesSchema>;

/** The JSON document written to values.schema.json. */
export function valuesJsonSchema(): Record<string, unknown> {
  return { $schema: 'http://json-schema.org/draft-07/schema#', ...stripTypeBoxKeys(ValuesSchema) };
}

/** TypeBox marks schemas with symbol keys only; a JSON round trip gives the plain document. */
function stripTypeBoxKeys(schema: TSchema): Record<string, unknown> {
  return JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;
}
