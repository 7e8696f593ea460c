import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseExposition } from './prometheus.ts';
import { addPredictions, chooseOutput, predictionCounts, predictionDelta } from './predictions.ts';

const exposition = (label1: number, bin05: number) => `
# TYPE modelship_prediction_outputs gauge
modelship_prediction_outputs{model="iris",version="1",output="probabilities",position="1",kind="numeric"} 1
modelship_prediction_outputs{model="iris",version="1",output="label",position="0",kind="class"} 1
# TYPE modelship_prediction_values_total counter
modelship_prediction_values_total{model="iris",version="1",output="probabilities",bin="0.5"} ${bin05}
# TYPE modelship_prediction_classes_total counter
modelship_prediction_classes_total{model="iris",version="1",output="label",class="1"} ${label1}
`;

test('the runtime\'s prediction summaries are read per output, in the model\'s order', () => {
  const counts = predictionCounts(parseExposition(exposition(3, 7)));
  assert.deepEqual(counts.get('label'), { kind: 'class', position: 0, counts: new Map([['1', 3]]) });
  assert.deepEqual(counts.get('probabilities')?.counts, new Map([['0.5', 7]]));
  assert.equal(chooseOutput(counts, undefined), 'label');
  assert.equal(chooseOutput(counts, 'probabilities'), 'probabilities');
  assert.equal(chooseOutput(new Map(), undefined), undefined);
});

test('a window is the difference of two scrapes; a restart counts everything since; pods add up', () => {
  const before = predictionCounts(parseExposition(exposition(3, 7)));
  const after = predictionCounts(parseExposition(exposition(5, 17)));
  const window = predictionDelta(before, after);
  assert.deepEqual(window.get('label')?.counts, new Map([['1', 2]]));
  assert.deepEqual(window.get('probabilities')?.counts, new Map([['0.5', 10]]));
  const restarted = predictionDelta(after, before);
  assert.deepEqual(restarted.get('label')?.counts, new Map([['1', 3]]));
  assert.deepEqual(addPredictions(window, restarted).get('probabilities')?.counts, new Map([['0.5', 17]]));
});
