// spec.runtime: how the runtime pods run the model (image, threads, batching, resources, placement).

import { Type } from '@sinclair/typebox';
import { ObjectName, OneOf, QuantityMap, cel, validations } from './rules.ts';

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
