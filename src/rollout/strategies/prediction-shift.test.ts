import { test } from 'node:test';
import assert from 'node:assert/strict';
import { measurement, canarySpec, stableWorld } from '../../../test/support/rollout-world.ts';

const shifted = { output: 'probabilities', statistic: 'PSI' as const, value: 1.7, threshold: 0.25, candidate: { samples: 300, p50: 0.33 }, stable: { samples: 900, p50: 0.04 } };

test('a failed measurement whose predictions shifted rolls back with reason PredictionShift and the figures', () => {
  const { w, v1 } = stableWorld(canarySpec());
  const v2 = w.setVersion('2');
  w.converge();
  w.tick(10_000);
  const message = 'prediction shift: PSI 1.7 of output probabilities above threshold 0.25';
  w.reconcile({ hash: v2, measurement: { ...measurement('Failed', w.now, message), prediction: shifted } });
  assert.equal(w.replicas(v2), 0);
  assert.equal(w.replicas(v1), 4);
  assert.equal(w.status?.analysis?.phase, 'Failed');
  assert.deepEqual(w.status?.analysis?.measurements?.at(-1)?.prediction, shifted);
  const entry = w.status?.history?.at(-1);
  assert.deepEqual([entry?.outcome, entry?.reason, entry?.message], ['RolledBack', 'PredictionShift', message]);
  assert.match(w.events.at(-1)?.message ?? '', /rolled back \(PredictionShift\): prediction shift: PSI 1\.7/);
});

test('a failure with predictions under the threshold keeps reason AnalysisFailed', () => {
  const { w } = stableWorld(canarySpec());
  const v2 = w.setVersion('2');
  w.converge();
  w.tick(10_000);
  w.reconcile({ hash: v2, measurement: { ...measurement('Failed', w.now, 'error rate 20% above maxErrorRate 1%'), prediction: { ...shifted, value: 0.01 } } });
  assert.equal(w.status?.history?.at(-1)?.reason, 'AnalysisFailed');
});
