// The ModelDeployment schema, written once. The CRD in crds/, the API reference in docs/ and the TypeScript
// types in ./types.ts are all derived from the TypeBox values below.
//
// Validation style: native OpenAPI keywords (required, enum, minimum, maximum, maxLength, maxItems) where the
// API server's own message already names the field and the rule; CEL (`x-kubernetes-validations`) for what a
// schema cannot say (one field depending on another, list-wide rules) and for string formats, whose `pattern`
// message would only show a regular expression. Every string and list that CEL reads has maxLength/maxItems,
// so the API server's cost estimate stays far below its budget.
//
// Each section lives in ./schema/: model.ts, runtime.ts, autoscaling.ts, rollout.ts, status.ts; rules.ts holds
// the CEL helpers and string formats they share. This file assembles the spec and the resource.

import { Type } from '@sinclair/typebox';
import { AutoscalingSchema } from './schema/autoscaling.ts';
import { ModelSourceSchema } from './schema/model.ts';
import { RolloutSchema } from './schema/rollout.ts';
import { cel, validations } from './schema/rules.ts';
import { RuntimeSchema } from './schema/runtime.ts';
import { ModelDeploymentStatusSchema } from './schema/status.ts';

export type { CelRule } from './schema/rules.ts';
export * from './schema/autoscaling.ts';
export * from './schema/model.ts';
export * from './schema/rollout.ts';
export * from './schema/runtime.ts';
export * from './schema/status.ts';

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
