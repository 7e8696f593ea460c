// The ModelDeployment schema, written once. The CRD in crds/, the API reference in docs/ and the TypeScript
// types in ./types.ts are all derived from the TypeBox values below.
//
// Validation style: native OpenAPI keywords (required, enum, minimum, maximum, maxLength, maxItems) where the
// API server's own message already names the field and the rule; CEL (`x-kubernetes-validations`) for what a
// schema cannot say (one field depending on another, list-wide rules) and for string formats, whose `pattern`
// message would only show a regular expression. Every string and list that CEL reads has maxLength/maxItems,
// so the API server's cost estimate stays far below its budget.

import { FormatRegistry, Type } from '@sinclair/typebox';
import type { SchemaOptions, TLiteral, TUnion } from '@sinclair/typebox';
import { DURATION_PATTERN } from './duration.ts';
import { ROLLOUT_STRATEGIES } from './constants.ts';

// TypeBox's Value.Check rejects strings with an unregistered format.
if (!FormatRegistry.Has('date-time')) {
  FormatRegistry.Set('date-time', (value) => !Number.isNaN(Date.parse(value)) && /^\d{4}-\d{2}-\d{2}T/.test(value));
}

/** One `x-kubernetes-validations` entry. */
export interface CelRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  /** Path, relative to the node carrying the rule, that the error is reported against. */
  fieldPath?: string;
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
}

type CelRuleOptions = Omit<CelRule, 'rule' | 'message'>;

function cel(rule: string, message: string, options: CelRuleOptions = {}): CelRule {
  return { rule, message, ...options };
}

function validations(...rules: CelRule[]): { 'x-kubernetes-validations': CelRule[] } {
  return { 'x-kubernetes-validations': rules };
}

/** A string restricted to `values`; becomes `enum` in the CRD. */
function OneOf<const T extends readonly string[]>(values: T, options: SchemaOptions): TUnion<TLiteral<T[number]>[]> {
  return Type.Union(
    values.map((value) => Type.Literal(value)),
    options,
  );
}

// ---------------------------------------------------------------------------------------------------------
// Reusable string formats (CEL, for readable messages)

const DNS_SUBDOMAIN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
const LABEL_VALUE = '^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$';

/** The name of a namespaced object (Secret, ServiceAccount, ConfigMap) in the ModelDeployment's namespace. */
function ObjectName(description: string) {
  return Type.String({
    description,
    minLength: 1,
    maxLength: 253,
    ...validations(
      cel(`self.matches(r'${DNS_SUBDOMAIN}')`, 'must be a lowercase DNS subdomain such as my-secret (a-z, 0-9, - and .)'),
    ),
  });
}

function Duration(description: string, extra: CelRule[] = [], options: SchemaOptions = {}) {
  return Type.String({
    description,
    minLength: 2,
    maxLength: 32,
    ...options,
    ...validations(
      cel(`self.matches(r'${DURATION_PATTERN}')`, 'must be a duration such as 30s, 5m, 1h30m or 500ms'),
      ...extra,
    ),
  });
}

const Quantity = Type.Union([Type.Integer(), Type.String()], {
  description: 'A Kubernetes quantity, such as 500m, 2, 1Gi or 512Mi.',
  'x-kubernetes-int-or-string': true,
  pattern: '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$',
});

const QuantityMap = (description: string) =>
  Type.Record(Type.String(), Quantity, { description, maxProperties: 16 });

// ---------------------------------------------------------------------------------------------------------
// spec.model

export const ModelSourceSchema = Type.Object(
  {
    name: Type.Optional(
      Type.String({
        description:
          'Name the model is served under, as in /v2/models/<name>/infer. Defaults to the ModelDeployment\'s metadata.name. ' +
          'Alphanumerics, "-", "_" and ".", at most 63 characters.',
        minLength: 1,
        maxLength: 63,
        ...validations(
          cel(`self.matches(r'${LABEL_VALUE}')`, 'must consist of letters, digits, "-", "_" or "." and start and end with a letter or digit'),
        ),
      }),
    ),
    version: Type.String({
      description:
        'Version of the model that should be serving. Changing it (or the uri) starts a rollout using spec.rollout. ' +
        'It becomes the modelship.io/version label, so it follows label-value rules: at most 63 characters, ' +
        'letters, digits, "-", "_" and ".", starting and ending with a letter or digit. Quote numbers: version: "3".',
      minLength: 1,
      maxLength: 63,
      ...validations(
        cel(
          `self.matches(r'${LABEL_VALUE}')`,
          'must be a valid label value: letters, digits, "-", "_" or ".", starting and ending with a letter or digit',
        ),
      ),
    }),
    uri: Type.String({
      description:
        'Where the runtime fetches the ONNX model from: https://host/path/model.onnx, s3://bucket/key, ' +
        'pvc://<claim>/<path inside the claim>, or file:///<absolute path on the node>.',
      minLength: 1,
      maxLength: 2048,
      ...validations(
        cel(`self.matches(r'^(https|s3|pvc|file)://')`, 'must start with https://, s3://, pvc:// or file://'),
        cel(`!self.startsWith('https://') || self.matches(r'^https://[^/\\s]+(/\\S*)?$')`, 'https URIs must look like https://host/path/model.onnx'),
        cel(
          `!self.startsWith('s3://') || self.matches(r'^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/\\S+$')`,
          's3 URIs must name a bucket and a key: s3://bucket/path/to/model.onnx',
        ),
        cel(
          `!self.startsWith('pvc://') || self.matches(r'^pvc://[a-z0-9]([-a-z0-9]*[a-z0-9])?/\\S+$')`,
          'pvc URIs must name a claim and a path inside it: pvc://claim-name/path/to/model.onnx',
        ),
        cel(`!self.startsWith('file://') || self.matches(r'^file:///\\S+$')`, 'file URIs must hold an absolute path: file:///models/model.onnx'),
      ),
    }),
    sha256: Type.Optional(
      Type.String({
        description:
          'Expected SHA-256 of the model file, as 64 lowercase hex characters (sha256sum output). When set, a file that ' +
          'does not match is never served: the revision fails and, during a rollout, is rolled back.',
        maxLength: 64,
        ...validations(cel(`self.matches(r'^[0-9a-f]{64}$')`, 'must be 64 lowercase hexadecimal characters, as printed by sha256sum')),
      }),
    ),
    credentialsSecret: Type.Optional(
      ObjectName(
        'Secret in the same namespace with credentials for fetching the model; its keys become environment variables of ' +
          'the fetch. For s3://, the standard AWS variables: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, and optionally ' +
          'AWS_SESSION_TOKEN, AWS_REGION, AWS_ENDPOINT_URL_S3. Only used with s3:// and https://.',
      ),
    ),
  },
  {
    description: 'The model to serve: what it is called, which version, and where its file lives.',
    ...validations(
      cel(
        `!has(self.credentialsSecret) || self.uri.startsWith('s3://') || self.uri.startsWith('https://')`,
        'credentialsSecret is only used with s3:// and https:// URIs; pvc:// and file:// models need no credentials',
        { fieldPath: '.credentialsSecret', reason: 'FieldValueForbidden' },
      ),
    ),
  },
);

// ---------------------------------------------------------------------------------------------------------
// spec.runtime

const EnvVarSchema = Type.Object(
  {
    name: Type.String({
      description: 'Name of the environment variable.',
      minLength: 1,
      maxLength: 256,
      ...validations(
        cel(`self.matches(r'^[-._a-zA-Z][-._a-zA-Z0-9]*$')`, 'must consist of letters, digits, "_", "-" or "." and must not start with a digit'),
      ),
    }),
    value: Type.Optional(Type.String({ description: 'Literal value. Set value or valueFrom, not both.', maxLength: 32768 })),
    valueFrom: Type.Optional(
      Type.Object(
        {
          secretKeyRef: Type.Optional(
            Type.Object(
              {
                name: ObjectName('Name of the Secret in the same namespace.'),
                key: Type.String({ description: 'Key within the Secret.', minLength: 1, maxLength: 253 }),
              },
              { description: 'Take the value from a key of a Secret.' },
            ),
          ),
          configMapKeyRef: Type.Optional(
            Type.Object(
              {
                name: ObjectName('Name of the ConfigMap in the same namespace.'),
                key: Type.String({ description: 'Key within the ConfigMap.', minLength: 1, maxLength: 253 }),
              },
              { description: 'Take the value from a key of a ConfigMap.' },
            ),
          ),
        },
        {
          description: 'Take the value from a Secret or ConfigMap key.',
          ...validations(
            cel('has(self.secretKeyRef) != has(self.configMapKeyRef)', 'set exactly one of secretKeyRef or configMapKeyRef'),
          ),
        },
      ),
    ),
  },
  {
    description: 'An environment variable for the runtime container.',
    ...validations(cel('!(has(self.value) && has(self.valueFrom))', 'set value or valueFrom, not both', { fieldPath: '.valueFrom', reason: 'FieldValueForbidden' })),
  },
);

const TolerationSchema = Type.Object(
  {
    key: Type.Optional(Type.String({ description: 'Taint key the toleration applies to; empty with operator Exists matches every taint.', maxLength: 317 })),
    operator: Type.Optional(OneOf(['Exists', 'Equal'] as const, { description: 'Exists or Equal (the default).' })),
    value: Type.Optional(Type.String({ description: 'Taint value to match with operator Equal; must be empty with Exists.', maxLength: 63 })),
    effect: Type.Optional(
      OneOf(['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const, { description: 'Taint effect to match; empty matches all effects.' }),
    ),
    tolerationSeconds: Type.Optional(
      Type.Integer({ description: 'How long a NoExecute taint is tolerated before eviction.', format: 'int64', minimum: 0 }),
    ),
  },
  {
    description: 'A toleration for the runtime pods, as in a Pod spec.',
    ...validations(
      cel(`!has(self.operator) || self.operator != 'Exists' || !has(self.value) || self.value == ''`, 'value must be empty when operator is Exists', {
        fieldPath: '.value',
        reason: 'FieldValueForbidden',
      }),
      cel(`!has(self.tolerationSeconds) || (has(self.effect) && self.effect == 'NoExecute')`, 'tolerationSeconds is only allowed with effect NoExecute', {
        fieldPath: '.tolerationSeconds',
        reason: 'FieldValueForbidden',
      }),
    ),
  },
);

export const BatchingSchema = Type.Object(
  {
    maxBatchSize: Type.Integer({
      description: 'Most requests the runtime merges into one inference call. 1 turns batching off.',
      format: 'int32',
      minimum: 1,
      maximum: 4096,
    }),
    maxQueueDelayMs: Type.Integer({
      description: 'Longest a request waits in the queue for a batch to fill, in milliseconds. 0 sends whatever is queued at once.',
      format: 'int32',
      minimum: 0,
      maximum: 60000,
    }),
    maxQueueSize: Type.Optional(
      Type.Integer({
        description: 'Most requests waiting for a batch; beyond it the runtime answers 503 so clients back off. Unset: the runtime default.',
        format: 'int32',
        minimum: 1,
        maximum: 1000000,
      }),
    ),
  },
  {
    description: 'Dynamic batching: merge concurrent requests into one inference call.',
    ...validations(
      cel('!has(self.maxQueueSize) || self.maxQueueSize >= self.maxBatchSize', 'maxQueueSize must be at least maxBatchSize, or no batch could ever fill', {
        fieldPath: '.maxQueueSize',
      }),
    ),
  },
);

export const RuntimeSchema = Type.Object(
  {
    image: Type.Optional(
      Type.String({
        description: 'Runtime container image. Defaults to the operator\'s configured runtime image (ghcr.io/modelship/runtime:<operator version>).',
        minLength: 1,
        maxLength: 512,
      }),
    ),
    imagePullPolicy: Type.Optional(OneOf(['Always', 'IfNotPresent', 'Never'] as const, { description: 'Image pull policy of the runtime container.' })),
    resources: Type.Optional(
      Type.Object(
        {
          requests: Type.Optional(QuantityMap('Resources each runtime pod is guaranteed, e.g. {cpu: 500m, memory: 1Gi}.')),
          limits: Type.Optional(QuantityMap('Most each runtime pod may use, e.g. {cpu: "2", memory: 2Gi, nvidia.com/gpu: 1}.')),
        },
        { description: 'Compute resources of the runtime container. Set requests.cpu when autoscaling on CPU.' },
      ),
    ),
    env: Type.Optional(
      Type.Array(EnvVarSchema, {
        description: 'Extra environment variables for the runtime container. Every runtime flag also reads MODELSHIP_<FLAG>.',
        maxItems: 64,
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['name'],
      }),
    ),
    threads: Type.Optional(
      Type.Integer({
        description: 'Intra-op threads per inference worker. Unset: derived from the container\'s CPU limit, not the node\'s core count.',
        format: 'int32',
        minimum: 1,
        maximum: 256,
      }),
    ),
    batching: Type.Optional(BatchingSchema),
    maxRequestRows: Type.Optional(
      Type.Integer({
        description:
          'Most rows one inference request may carry; larger requests get 413 naming the limit. ' +
          'Unset: the runtime default, 16 × batching.maxBatchSize and at least 1024.',
        format: 'int32',
        minimum: 1,
        maximum: 16777216,
      }),
    ),
    maxRequestElements: Type.Optional(
      Type.Integer({
        description: 'Most tensor elements one inference request may carry, all inputs together (413 beyond). Unset: 4194304 (16 MiB of FP32).',
        format: 'int64',
        minimum: 1,
        maximum: 1073741824,
      }),
    ),
    executionProvider: Type.Optional(
      OneOf(['cpu', 'cuda'] as const, { description: 'ONNX Runtime execution provider. cuda needs a GPU image and a GPU resource limit. Unset: cpu.' }),
    ),
    grpc: Type.Optional(
      Type.Boolean({
        description:
          'Serve the Open Inference Protocol over gRPC (and grpc.health.v1) on the container and Service port named grpc, 8081. ' +
          'false turns it off; probes stay on HTTP either way. Unset: true.',
      }),
    ),
    authTokenSecret: Type.Optional(
      ObjectName('Secret in the same namespace whose key `token` holds a bearer token; when set, inference requests must send it.'),
    ),
    readinessProbe: Type.Optional(
      Type.Object(
        {
          initialDelaySeconds: Type.Optional(Type.Integer({ description: 'Seconds after start before the first probe.', format: 'int32', minimum: 0, maximum: 3600 })),
          periodSeconds: Type.Optional(Type.Integer({ description: 'Seconds between probes.', format: 'int32', minimum: 1, maximum: 3600 })),
          timeoutSeconds: Type.Optional(Type.Integer({ description: 'Seconds before a probe times out.', format: 'int32', minimum: 1, maximum: 3600 })),
          failureThreshold: Type.Optional(
            Type.Integer({ description: 'Consecutive failures before the pod is marked not ready.', format: 'int32', minimum: 1, maximum: 100 }),
          ),
        },
        { description: 'Tuning for the readiness probe on /v2/health/ready. Large models may need a longer initialDelaySeconds.' },
      ),
    ),
    injectErrorRate: Type.Optional(
      Type.Number({
        description:
          'Chaos testing only: fraction (0 to 1) of inference requests the runtime deliberately fails with HTTP 500, ' +
          'to rehearse analysis and automatic rollback. Never set it in production.',
        minimum: 0,
        maximum: 1,
      }),
    ),
    nodeSelector: Type.Optional(
      Type.Record(Type.String(), Type.String({ maxLength: 63 }), {
        description: 'Node labels the runtime pods must be scheduled on, as in a Pod spec.',
        maxProperties: 32,
      }),
    ),
    tolerations: Type.Optional(
      Type.Array(TolerationSchema, { description: 'Tolerations of the runtime pods, as in a Pod spec.', maxItems: 32, 'x-kubernetes-list-type': 'atomic' }),
    ),
    serviceAccountName: Type.Optional(ObjectName('ServiceAccount the runtime pods run as. Unset: the namespace\'s default.')),
  },
  { description: 'How the inference runtime runs: image, resources, threads, batching, probes and scheduling.' },
);

// ---------------------------------------------------------------------------------------------------------
// spec.autoscaling

export const AutoscalingSchema = Type.Object(
  {
    minReplicas: Type.Optional(
      Type.Integer({ description: 'Fewest replicas the autoscaler keeps.', format: 'int32', minimum: 1, maximum: 1000, default: 1 }),
    ),
    maxReplicas: Type.Integer({ description: 'Most replicas the autoscaler may create.', format: 'int32', minimum: 1, maximum: 1000 }),
    targetCPUUtilizationPercentage: Type.Optional(
      Type.Integer({
        description: 'Average CPU use, as a percentage of requests.cpu, the autoscaler aims for.',
        format: 'int32',
        minimum: 1,
        maximum: 100,
        default: 80,
      }),
    ),
    targetMemoryUtilizationPercentage: Type.Optional(
      Type.Integer({
        description: 'Average memory use, as a percentage of requests.memory, the autoscaler also aims for. Unset: memory is not considered.',
        format: 'int32',
        minimum: 1,
        maximum: 100,
      }),
    ),
    scaleDownStabilizationSeconds: Type.Optional(
      Type.Integer({
        description: 'How long the autoscaler looks back before scaling down. Unset: the HorizontalPodAutoscaler default (300).',
        format: 'int32',
        minimum: 0,
        maximum: 3600,
      }),
    ),
  },
  {
    description:
      'Run a HorizontalPodAutoscaler (autoscaling/v2) that drives spec.replicas through the /scale subresource. ' +
      'During a rollout the operator splits that total across revisions by weight.',
    ...validations(
      // No messageExpression with the numbers: the cost estimator prices string(int) as an unbounded string.
      cel('self.minReplicas <= self.maxReplicas', 'minReplicas must not exceed maxReplicas', { fieldPath: '.minReplicas' }),
    ),
  },
);

// ---------------------------------------------------------------------------------------------------------
// spec.rollout

export const PauseSchema = Type.Object(
  {
    duration: Type.Optional(Duration('How long to pause, e.g. 60s or 5m. Unset: pause until promoted (annotation modelship.io/promote).')),
  },
  { description: 'Hold the current weight for a duration, or until promoted when no duration is given.' },
);

export const CanaryStepSchema = Type.Object(
  {
    setWeight: Type.Optional(
      Type.Integer({
        description: 'Percentage (0-100) of replicas, and so of traffic, the canary gets. Weights must increase from step to step.',
        format: 'int32',
        minimum: 0,
        maximum: 100,
      }),
    ),
    pause: Type.Optional(PauseSchema),
  },
  {
    description: 'One canary step: either setWeight or pause.',
    ...validations(cel('has(self.setWeight) != has(self.pause)', 'each step must set exactly one of setWeight or pause')),
  },
);

const WEIGHTS = 'self.filter(s, has(s.setWeight)).map(s, s.setWeight)';

export const AnalysisSchema = Type.Object(
  {
    interval: Type.Optional(
      Duration(
        'How often the operator measures the candidate from its pods\' /metrics, e.g. 30s.',
        [cel(`!self.matches(r'${DURATION_PATTERN}') || (duration(self) >= duration('1s') && duration(self) <= duration('1h'))`, 'must be between 1s and 1h')],
        { default: '30s' },
      ),
    ),
    maxErrorRate: Type.Optional(
      Type.Number({ description: 'Highest acceptable fraction (0 to 1) of requests answered with 5xx, e.g. 0.01 for 1%.', minimum: 0, maximum: 1 }),
    ),
    maxP99LatencyMs: Type.Optional(
      Type.Integer({ description: 'Highest acceptable 99th-percentile request latency, in milliseconds.', format: 'int32', minimum: 1, maximum: 600000 }),
    ),
    maxP99LatencyRatio: Type.Optional(
      Type.Number({
        description: 'Highest acceptable candidate p99 latency relative to the stable revision\'s, e.g. 1.5 allows 50% slower. Needs stable traffic to compare with.',
        minimum: 1,
        maximum: 100,
      }),
    ),
    minRequests: Type.Optional(
      Type.Integer({
        description: 'Fewest requests the candidate must have served in an interval for a measurement to count; fewer makes it inconclusive, not failed.',
        format: 'int32',
        minimum: 1,
        maximum: 1000000,
        default: 20,
      }),
    ),
    failureLimit: Type.Optional(
      Type.Integer({
        description: 'Failed measurements tolerated. One more than this rolls the candidate back. 0: the first failure rolls back.',
        format: 'int32',
        minimum: 0,
        maximum: 100,
        default: 0,
      }),
    ),
  },
  {
    description:
      'Built-in analysis from the runtime pods\' own metrics (no Prometheus needed): during canary steps and before a ' +
      'blue-green promotion, the candidate is measured every interval against these thresholds.',
    ...validations(
      cel(
        'has(self.maxErrorRate) || has(self.maxP99LatencyMs) || has(self.maxP99LatencyRatio)',
        'set at least one threshold: maxErrorRate, maxP99LatencyMs or maxP99LatencyRatio',
        { reason: 'FieldValueRequired' },
      ),
    ),
  },
);

export const BlueGreenSchema = Type.Object(
  {
    autoPromotionSeconds: Type.Optional(
      Type.Integer({
        description:
          'Promote the preview automatically this many seconds after it is Available and analysis (if any) passed. ' +
          'Unset: wait for modelship.io/promote.',
        format: 'int32',
        minimum: 0,
        maximum: 86400,
      }),
    ),
    scaleDownDelaySeconds: Type.Optional(
      Type.Integer({
        description: 'Seconds the previous revision keeps running after the switch, so in-flight requests finish and a quick undo is cheap.',
        format: 'int32',
        minimum: 0,
        maximum: 3600,
        default: 30,
      }),
    ),
  },
  { description: 'BlueGreen settings: the preview revision runs at full size behind the <name>-preview Service until promoted.' },
);

export const RolloutSchema = Type.Object(
  {
    strategy: Type.Optional(
      OneOf(ROLLOUT_STRATEGIES, {
        description:
          'RollingUpdate replaces pods in place; Canary shifts traffic to the new version in steps, with analysis; ' +
          'BlueGreen runs the new version beside the old and switches all traffic at once.',
        default: 'RollingUpdate',
      }),
    ),
    steps: Type.Optional(
      Type.Array(CanaryStepSchema, {
        description:
          'Canary steps, in order, e.g. [{setWeight: 10}, {pause: {duration: 60s}}, {setWeight: 50}, {pause: {}}]. ' +
          'After the last step the canary is promoted to 100%. Only with strategy Canary.',
        minItems: 1,
        maxItems: 32,
        'x-kubernetes-list-type': 'atomic',
        ...validations(
          // CRD validation has no cel.bind, so the weight list is spelled out where it is used. Cost is
          // quadratic in the number of steps, bounded by maxItems.
          cel(
            `${WEIGHTS}.isSorted() && ${WEIGHTS}.all(w, ${WEIGHTS}.indexOf(w) == ${WEIGHTS}.lastIndexOf(w))`,
            'setWeight must strictly increase from step to step (pause steps in between are fine)',
          ),
        ),
      }),
    ),
    analysis: Type.Optional(AnalysisSchema),
    blueGreen: Type.Optional(BlueGreenSchema),
    progressDeadlineSeconds: Type.Optional(
      Type.Integer({
        description:
          'Seconds a new revision has to become Available (and each canary step to make progress) before it is rolled back automatically.',
        format: 'int32',
        minimum: 10,
        maximum: 86400,
        default: 600,
      }),
    ),
  },
  {
    description: 'How a new model version replaces the serving one, and when it is rolled back.',
    // Spelled out: the API server validates a default as written, before filling in nested defaults.
    default: { strategy: 'RollingUpdate', progressDeadlineSeconds: 600 },
    ...validations(
      cel(`!has(self.steps) || self.strategy == 'Canary'`, 'steps are only used by strategy Canary', {
        messageExpression: `'steps are only used by strategy Canary, not ' + self.strategy`,
        fieldPath: '.steps',
        reason: 'FieldValueForbidden',
      }),
      cel(`self.strategy != 'Canary' || has(self.steps)`, 'strategy Canary needs steps, e.g. [{setWeight: 20}, {pause: {duration: 1m}}]', {
        fieldPath: '.steps',
        reason: 'FieldValueRequired',
      }),
      cel(`!has(self.blueGreen) || self.strategy == 'BlueGreen'`, 'blueGreen settings are only used by strategy BlueGreen', {
        messageExpression: `'blueGreen settings are only used by strategy BlueGreen, not ' + self.strategy`,
        fieldPath: '.blueGreen',
        reason: 'FieldValueForbidden',
      }),
      cel(`!has(self.analysis) || self.strategy != 'RollingUpdate'`, 'analysis runs during Canary steps and before a BlueGreen promotion; strategy RollingUpdate does not use it', {
        fieldPath: '.analysis',
        reason: 'FieldValueForbidden',
      }),
    ),
  },
);

// ---------------------------------------------------------------------------------------------------------
// spec

export const ModelDeploymentSpecSchema = Type.Object(
  {
    model: ModelSourceSchema,
    runtime: Type.Optional(RuntimeSchema),
    replicas: Type.Optional(
      Type.Integer({
        description:
          'Total runtime pods across all revisions. Exposed through the /scale subresource (kubectl scale md/<name>); ' +
          'with spec.autoscaling the HorizontalPodAutoscaler sets it.',
        format: 'int32',
        minimum: 0,
        maximum: 1000,
        default: 1,
      }),
    ),
    autoscaling: Type.Optional(AutoscalingSchema),
    rollout: Type.Optional(RolloutSchema),
    revisionHistoryLimit: Type.Optional(
      Type.Integer({ description: 'How many past revisions status.history keeps for undo and audit.', format: 'int32', minimum: 0, maximum: 50, default: 5 }),
    ),
  },
  { description: 'Desired state: which model to serve, how to run it, how to scale it and how to roll out new versions.' },
);

// ---------------------------------------------------------------------------------------------------------
// status

const Time = (description: string) => Type.String({ description, format: 'date-time' });

export const ConditionSchema = Type.Object(
  {
    type: Type.String({
      description: 'Condition type: Ready, Reconciling, Stalled, Available, Progressing or Degraded.',
      maxLength: 316,
      pattern: '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$',
    }),
    status: OneOf(['True', 'False', 'Unknown'] as const, { description: 'True, False or Unknown.' }),
    observedGeneration: Type.Optional(
      Type.Integer({ description: 'metadata.generation the condition was computed from.', format: 'int64', minimum: 0 }),
    ),
    lastTransitionTime: Time('When status last changed.'),
    reason: Type.String({
      description: 'Machine-readable CamelCase reason for the last transition.',
      minLength: 1,
      maxLength: 1024,
      pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$',
    }),
    message: Type.String({ description: 'Human-readable details.', maxLength: 32768 }),
  },
  { description: 'A standard Kubernetes condition (metav1.Condition).' },
);

const RevisionFields = {
  revision: Type.Integer({ description: 'Revision number, increasing by one for each new model version or runtime template.', format: 'int64', minimum: 1 }),
  version: Type.String({ description: 'Model version (spec.model.version) of the revision.', maxLength: 63 }),
  hash: Type.String({ description: 'Hash of the revision\'s model and runtime template; the modelship.io/revision label on its pods.', maxLength: 63 }),
  uri: Type.Optional(Type.String({ description: 'Model URI of the revision.', maxLength: 2048 })),
  sha256: Type.Optional(Type.String({ description: 'Model SHA-256 of the revision, when one was given.', maxLength: 64 })),
  replicas: Type.Optional(Type.Integer({ description: 'Pods of this revision.', format: 'int32', minimum: 0 })),
  readyReplicas: Type.Optional(Type.Integer({ description: 'Ready pods of this revision.', format: 'int32', minimum: 0 })),
};

export const StableRevisionSchema = Type.Object(RevisionFields, { description: 'The revision serving all traffic that is not the canary\'s.' });

export const CanaryRevisionSchema = Type.Object(
  {
    ...RevisionFields,
    weight: Type.Integer({ description: 'Percentage of replicas, and so of traffic, the candidate has now (BlueGreen: 0 before the switch, 100 after).', format: 'int32', minimum: 0, maximum: 100 }),
    step: Type.Optional(Type.Integer({ description: 'Index into spec.rollout.steps of the current canary step.', format: 'int32', minimum: 0 })),
    startTime: Time('When the rollout of this revision started; progressDeadlineSeconds counts from here.'),
    stepStartTime: Type.Optional(Time('When the current step started; timed pauses count from here.')),
  },
  { description: 'The candidate revision while a rollout runs: the canary, or the BlueGreen preview.' },
);

export const RetiringRevisionSchema = Type.Object(
  {
    ...RevisionFields,
    scaleDownTime: Time('When the revision is scaled down (BlueGreen scaleDownDelaySeconds after the switch).'),
  },
  { description: 'A previous stable revision kept running for a while after a BlueGreen switch.' },
);

export const AnalysisMeasurementSchema = Type.Object(
  {
    time: Time('When the measurement was taken.'),
    phase: OneOf(['Successful', 'Failed', 'Inconclusive'] as const, { description: 'Successful, Failed, or Inconclusive (fewer than minRequests requests).' }),
    requests: Type.Integer({ description: 'Requests the candidate served in the interval.', format: 'int64', minimum: 0 }),
    errorRate: Type.Optional(Type.Number({ description: 'Fraction of those requests answered with 5xx.' })),
    p99LatencyMs: Type.Optional(Type.Number({ description: 'Candidate 99th-percentile request latency, in milliseconds.' })),
    stableP99LatencyMs: Type.Optional(Type.Number({ description: 'Stable 99th-percentile request latency over the same interval, in milliseconds.' })),
    message: Type.Optional(Type.String({ description: 'Which threshold failed, in words.', maxLength: 1024 })),
  },
  { description: 'One analysis measurement.' },
);

export const AnalysisStatusSchema = Type.Object(
  {
    hash: Type.String({ description: 'Hash of the revision under analysis.', maxLength: 63 }),
    phase: OneOf(['Running', 'Successful', 'Failed'] as const, { description: 'Running, Successful, or Failed (more than failureLimit failed measurements).' }),
    successful: Type.Integer({ description: 'Successful measurements so far.', format: 'int32', minimum: 0 }),
    failed: Type.Integer({ description: 'Failed measurements so far.', format: 'int32', minimum: 0 }),
    inconclusive: Type.Integer({ description: 'Inconclusive measurements so far.', format: 'int32', minimum: 0 }),
    measurements: Type.Optional(
      Type.Array(AnalysisMeasurementSchema, { description: 'The latest measurements, newest last (at most 10).', maxItems: 10, 'x-kubernetes-list-type': 'atomic' }),
    ),
  },
  { description: 'Results of the analysis of the current candidate.' },
);

export const HistoryEntrySchema = Type.Object(
  {
    revision: Type.Integer({ description: 'Revision number.', format: 'int64', minimum: 1 }),
    version: Type.String({ description: 'Model version.', maxLength: 63 }),
    hash: Type.String({ description: 'Revision hash.', maxLength: 63 }),
    uri: Type.String({ description: 'Model URI.', maxLength: 2048 }),
    sha256: Type.Optional(Type.String({ description: 'Model SHA-256, when one was given.', maxLength: 64 })),
    outcome: OneOf(['Promoted', 'RolledBack', 'Aborted'] as const, {
      description: 'Promoted (became stable), RolledBack (failed and traffic went back to stable), or Aborted (by modelship.io/abort).',
    }),
    time: Time('When the outcome was reached.'),
    reason: Type.String({ description: 'CamelCase reason, e.g. RolloutCompleted, AnalysisFailed, ProgressDeadlineExceeded, ChecksumMismatch.', maxLength: 1024 }),
    message: Type.Optional(Type.String({ description: 'Details for people.', maxLength: 32768 })),
  },
  { description: 'One finished rollout of a revision.' },
);

export const ModelDeploymentStatusSchema = Type.Object(
  {
    observedGeneration: Type.Optional(Type.Integer({ description: 'metadata.generation the status was computed from.', format: 'int64', minimum: 0 })),
    conditions: Type.Optional(
      Type.Array(ConditionSchema, {
        description:
          'kstatus-compatible conditions: Ready; Reconciling and Stalled (present only while True); Available, Progressing and Degraded.',
        maxItems: 16,
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['type'],
      }),
    ),
    stableRevision: Type.Optional(StableRevisionSchema),
    canaryRevision: Type.Optional(CanaryRevisionSchema),
    retiringRevision: Type.Optional(RetiringRevisionSchema),
    analysis: Type.Optional(AnalysisStatusSchema),
    replicas: Type.Optional(Type.Integer({ description: 'Runtime pods across all revisions (/scale statusReplicasPath).', format: 'int32', minimum: 0 })),
    readyReplicas: Type.Optional(Type.Integer({ description: 'Ready runtime pods across all revisions.', format: 'int32', minimum: 0 })),
    selector: Type.Optional(
      Type.String({ description: 'Label selector of all runtime pods, for the /scale subresource and autoscalers.', maxLength: 1024 }),
    ),
    url: Type.Optional(Type.String({ description: 'In-cluster URL of the model\'s Service.', maxLength: 2048 })),
    history: Type.Optional(
      Type.Array(HistoryEntrySchema, {
        description: 'Finished rollouts, oldest first, at most spec.revisionHistoryLimit entries.',
        maxItems: 100,
        'x-kubernetes-list-type': 'atomic',
      }),
    ),
  },
  {
    description: 'Observed state, written by the operator.',
    // The API server fills this in on every read until the operator writes a status, so a ModelDeployment
    // never looks finished before the operator has seen it: kstatus (helm --wait=watcher, Flux) calls an
    // object with no status at all Current, but one whose observedGeneration lags its generation InProgress.
    default: { observedGeneration: 0 },
  },
);

// ---------------------------------------------------------------------------------------------------------
// the resource

export const ModelDeploymentSchema = Type.Object(
  {
    apiVersion: Type.Optional(Type.String({ description: 'APIVersion of this object: modelship.io/v1alpha1.' })),
    kind: Type.Optional(Type.String({ description: 'Kind of this object: ModelDeployment.' })),
    // The API server allows nothing on metadata but restrictions of name and generateName (not even a description).
    metadata: Type.Optional(
      Type.Object({
        name: Type.Optional(
          Type.String({
            maxLength: 50,
            ...validations(
              cel(
                `self.matches(r'^[a-z]([-a-z0-9]*[a-z0-9])?$')`,
                'must be at most 50 lowercase letters, digits and "-", starting with a letter: Modelship names Services such as <name>-preview after it',
              ),
            ),
          }),
        ),
      }),
    ),
    spec: ModelDeploymentSpecSchema,
    status: Type.Optional(ModelDeploymentStatusSchema),
  },
  {
    description:
      'ModelDeployment serves one ML model behind a Service, scales it, and rolls new model versions out ' +
      '(RollingUpdate, Canary with analysis, or BlueGreen) and back.',
  },
);
