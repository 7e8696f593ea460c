// spec.autoscaling: the HorizontalPodAutoscaler that drives spec.replicas through /scale.

import { Type } from '@sinclair/typebox';
import { cel, validations } from './rules.ts';

// A positive decimal quantity: a non-zero digit before or after the point, an optional SI suffix.
// (Not CEL's quantity() library: the CRD must also load on API servers older than its introduction.)
const POSITIVE_QUANTITY = '^([0-9]*[1-9][0-9]*(\\.[0-9]*)?|[0-9]*\\.[0-9]*[1-9][0-9]*)([numkMGTPE]|[KMGTPE]i)?$';

export const AutoscalingSchema = Type.Object(
  {
    minReplicas: Type.Optional(
      Type.Integer({ description: 'Fewest replicas the autoscaler keeps.', format: 'int32', minimum: 1, maximum: 1000, default: 1 }),
    ),
    maxReplicas: Type.Integer({ description: 'Most replicas the autoscaler may create.', format: 'int32', minimum: 1, maximum: 1000 }),
    targetCPUUtilizationPercentage: Type.Optional(
      Type.Integer({
        description:
          'Average CPU use, as a percentage of requests.cpu, the autoscaler aims for (read from metrics-server). ' +
          'Unset: 80, unless targetInflightRequestsPerPod is set, in which case CPU is not considered.',
        format: 'int32',
        minimum: 1,
        maximum: 100,
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
    targetInflightRequestsPerPod: Type.Optional(
      Type.Union([Type.Integer(), Type.String()], {
        description:
          'Average in-flight requests per pod (the runtime\'s modelship_inflight_requests gauge) the autoscaler also aims for, ' +
          'as a quantity such as 4 or 2500m. Served through custom.metrics.k8s.io (the chart\'s metricsAdapter, or prometheus-adapter). ' +
          'Unset: requests are not considered.',
        'x-kubernetes-int-or-string': true,
        ...validations(
          cel(
            `type(self) == int ? self > 0 : self.matches(r'${POSITIVE_QUANTITY}')`,
            'targetInflightRequestsPerPod must be a positive number or quantity, such as 4 or 2500m',
          ),
        ),
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
