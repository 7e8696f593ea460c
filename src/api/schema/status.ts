// status: conditions, the revisions serving and rolling out, analysis, and the rollout history.

import { Type } from '@sinclair/typebox';
import { OneOf } from './rules.ts';

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

export const PredictionDistributionSchema = Type.Object(
  {
    samples: Type.Integer({ description: 'Values of the output the revision returned in the interval.', format: 'int64', minimum: 0 }),
    p10: Type.Optional(Type.Number({ description: 'Numeric output: 10th percentile of the values (within 5%).' })),
    p50: Type.Optional(Type.Number({ description: 'Numeric output: median of the values (within 5%).' })),
    p90: Type.Optional(Type.Number({ description: 'Numeric output: 90th percentile of the values (within 5%).' })),
    classes: Type.Optional(
      Type.Record(Type.String(), Type.Number(), { description: 'Class output: share (0-1) of each of the most frequent classes.', maxProperties: 8 }),
    ),
  },
  { description: 'What one revision predicted in the interval.' },
);

export const PredictionComparisonSchema = Type.Object(
  {
    output: Type.String({ description: 'The output compared.', maxLength: 253 }),
    statistic: OneOf(['PSI'] as const, { description: 'The statistic: PSI, the population stability index.' }),
    value: Type.Optional(Type.Number({ description: 'The statistic, candidate against stable; absent while either returned fewer than minSamples values.' })),
    threshold: Type.Number({ description: 'The threshold it was judged against.' }),
    candidate: PredictionDistributionSchema,
    stable: Type.Optional(PredictionDistributionSchema),
  },
  { description: 'The candidate\'s and the stable revision\'s predictions side by side, and the shift between them.' },
);

export const AnalysisMeasurementSchema = Type.Object(
  {
    time: Time('When the measurement was taken.'),
    phase: OneOf(['Successful', 'Failed', 'Inconclusive'] as const, { description: 'Successful, Failed, or Inconclusive (fewer than minRequests requests).' }),
    requests: Type.Integer({ description: 'Requests the candidate served in the interval.', format: 'int64', minimum: 0 }),
    errorRate: Type.Optional(Type.Number({ description: 'Fraction of those requests answered with 5xx.' })),
    p99LatencyMs: Type.Optional(Type.Number({ description: 'Candidate 99th-percentile request latency, in milliseconds.' })),
    stableP99LatencyMs: Type.Optional(Type.Number({ description: 'Stable 99th-percentile request latency over the same interval, in milliseconds.' })),
    p50LatencyMs: Type.Optional(Type.Number({ description: 'Candidate median request latency, in milliseconds.' })),
    stableRequests: Type.Optional(Type.Integer({ description: 'Requests the stable revision served in the same interval.', format: 'int64', minimum: 0 })),
    stableErrorRate: Type.Optional(Type.Number({ description: 'Fraction of the stable revision\'s requests answered with 5xx.' })),
    stableP50LatencyMs: Type.Optional(Type.Number({ description: 'Stable median request latency, in milliseconds.' })),
    prediction: Type.Optional(PredictionComparisonSchema),
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
    totals: Type.Optional(
      Type.Object(
        {
          requests: Type.Integer({ description: 'Requests the candidate served in all measured intervals.', format: 'int64', minimum: 0 }),
          errors: Type.Integer({ description: 'Of those, answered with 5xx.', format: 'int64', minimum: 0 }),
          stableRequests: Type.Integer({ description: 'Requests the stable revision served in the same intervals.', format: 'int64', minimum: 0 }),
          stableErrors: Type.Integer({ description: 'Of those, answered with 5xx.', format: 'int64', minimum: 0 }),
        },
        { description: 'Both revisions\' requests and errors summed over every measurement of this candidate, for an A/B comparison held longer than ten intervals.' },
      ),
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
    reason: Type.String({ description: 'CamelCase reason, e.g. RolloutCompleted, AnalysisFailed, PredictionShift, ProgressDeadlineExceeded, ChecksumMismatch.', maxLength: 1024 }),
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
