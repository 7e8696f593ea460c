// spec.rollout: how a new revision replaces the serving one (RollingUpdate, Canary, BlueGreen) and how it is judged.

import { Type } from '@sinclair/typebox';
import { Duration, OneOf, cel, validations } from './rules.ts';
import { ROLLOUT_STRATEGIES } from '../constants.ts';
import { DURATION_PATTERN } from '../duration.ts';

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

export const PredictionCheckSchema = Type.Object(
  {
    output: Type.Optional(
      Type.String({ description: 'Which output of the model to compare, by name. Unset: the model\'s first output.', minLength: 1, maxLength: 253 }),
    ),
    statistic: Type.Optional(
      OneOf(['PSI'] as const, {
        description:
          'How the candidate\'s predictions are compared with the stable revision\'s over the same interval. PSI: the population ' +
          'stability index, over the classes of a class output or over ten ranges of a numeric one (docs/rollouts.md).',
        default: 'PSI',
      }),
    ),
    threshold: Type.Number({
      description: 'Highest acceptable statistic; above it the measurement fails. For PSI: 0.1 is a common alarm, 0.25 a major shift.',
      minimum: 0,
      maximum: 100,
    }),
    minSamples: Type.Optional(
      Type.Integer({
        description: 'Fewest predicted values each revision must have returned in an interval for the check to count; fewer leaves it unjudged.',
        format: 'int32',
        minimum: 1,
        maximum: 10000000,
        default: 100,
      }),
    ),
  },
  {
    description:
      'Judge the candidate by what it predicts: compare the distribution of one output with the stable revision\'s from the same ' +
      'interval, from the runtime pods\' prediction summaries. A failure rolls back with reason PredictionShift.',
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
    prediction: Type.Optional(PredictionCheckSchema),
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
        'has(self.maxErrorRate) || has(self.maxP99LatencyMs) || has(self.maxP99LatencyRatio) || has(self.prediction)',
        'set at least one threshold: maxErrorRate, maxP99LatencyMs or maxP99LatencyRatio, or a prediction check',
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
