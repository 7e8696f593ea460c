// spec.autoscaling: the HorizontalPodAutoscaler that drives spec.replicas through /scale.

import { Type } from '@sinclair/typebox';
import { cel, validations } from './rules.ts';

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
