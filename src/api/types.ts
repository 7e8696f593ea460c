// TypeScript types of the ModelDeployment API, derived from ./schema.ts so they cannot drift from the CRD.

import type { Static } from '@sinclair/typebox';
import type { V1ObjectMeta } from '@kubernetes/client-node';
import type {
  AnalysisMeasurementSchema,
  AnalysisSchema,
  AnalysisStatusSchema,
  AutoscalingSchema,
  BlueGreenSchema,
  CanaryRevisionSchema,
  CanaryStepSchema,
  ConditionSchema,
  HistoryEntrySchema,
  ModelDeploymentSpecSchema,
  ModelDeploymentStatusSchema,
  ModelSourceSchema,
  PauseSchema,
  PredictionCheckSchema,
  PredictionComparisonSchema,
  RetiringRevisionSchema,
  RolloutSchema,
  RuntimeSchema,
  StableRevisionSchema,
} from './schema.ts';

export type ModelSource = Static<typeof ModelSourceSchema>;
export type RuntimeSpec = Static<typeof RuntimeSchema>;
export type Autoscaling = Static<typeof AutoscalingSchema>;
export type Pause = Static<typeof PauseSchema>;
export type CanaryStep = Static<typeof CanaryStepSchema>;
export type Analysis = Static<typeof AnalysisSchema>;
export type PredictionCheck = Static<typeof PredictionCheckSchema>;
export type BlueGreen = Static<typeof BlueGreenSchema>;
export type Rollout = Static<typeof RolloutSchema>;
export type ModelDeploymentSpec = Static<typeof ModelDeploymentSpecSchema>;

export type Condition = Static<typeof ConditionSchema>;
export type ConditionStatus = Condition['status'];
export type StableRevision = Static<typeof StableRevisionSchema>;
export type CanaryRevision = Static<typeof CanaryRevisionSchema>;
export type RetiringRevision = Static<typeof RetiringRevisionSchema>;
export type AnalysisMeasurement = Static<typeof AnalysisMeasurementSchema>;
export type PredictionComparison = Static<typeof PredictionComparisonSchema>;
export type AnalysisStatus = Static<typeof AnalysisStatusSchema>;
export type HistoryEntry = Static<typeof HistoryEntrySchema>;
export type ModelDeploymentStatus = Static<typeof ModelDeploymentStatusSchema>;

export interface ModelDeployment {
  apiVersion: 'modelship.io/v1alpha1';
  kind: 'ModelDeployment';
  metadata: V1ObjectMeta;
  spec: ModelDeploymentSpec;
  status?: ModelDeploymentStatus;
}

export interface ModelDeploymentList {
  apiVersion: 'modelship.io/v1alpha1';
  kind: 'ModelDeploymentList';
  metadata: { resourceVersion?: string; continue?: string };
  items: ModelDeployment[];
}

// ---------------------------------------------------------------------------------------------------------
// The spec after the API server's defaulting. Objects read back from the API server already look like this;
// applyDefaults() (./defaults.ts) makes a hand-written or cached spec look the same. A unit test checks that
// the fields made required here are exactly the fields with a schema default.

type WithRequired<T, K extends keyof T> = T & Required<Pick<T, K>>;

export type DefaultedPredictionCheck = WithRequired<PredictionCheck, 'statistic' | 'minSamples'>;
export type DefaultedAnalysis = Omit<WithRequired<Analysis, 'interval' | 'minRequests' | 'failureLimit'>, 'prediction'> & {
  prediction?: DefaultedPredictionCheck;
};
export type DefaultedBlueGreen = WithRequired<BlueGreen, 'scaleDownDelaySeconds'>;
export type DefaultedAutoscaling = WithRequired<Autoscaling, 'minReplicas'>;
export type DefaultedRollout = Omit<Rollout, 'analysis' | 'blueGreen'> &
  Required<Pick<Rollout, 'strategy' | 'progressDeadlineSeconds'>> & {
    analysis?: DefaultedAnalysis;
    blueGreen?: DefaultedBlueGreen;
  };
export type DefaultedModelDeploymentSpec = Omit<ModelDeploymentSpec, 'rollout' | 'autoscaling'> &
  Required<Pick<ModelDeploymentSpec, 'replicas' | 'revisionHistoryLimit'>> & {
    rollout: DefaultedRollout;
    autoscaling?: DefaultedAutoscaling;
  };
