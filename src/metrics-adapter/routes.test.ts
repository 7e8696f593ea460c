import assert from 'node:assert/strict';
import { test } from 'node:test';
import { route } from './routes.ts';

test('discovery paths, with or without a trailing slash', () => {
  assert.equal(route('GET', '/apis').kind, 'groups');
  assert.equal(route('GET', '/apis/custom.metrics.k8s.io/').kind, 'group');
  assert.equal(route('GET', '/apis/custom.metrics.k8s.io/v1beta2').kind, 'resources');
});

test('a pods metric over a label selector, and one named pod', () => {
  assert.deepEqual(route('GET', '/apis/custom.metrics.k8s.io/v1beta2/namespaces/ml/pods/*/modelship_inflight_requests?labelSelector=a%3Db%2Cc%3Dd'), {
    kind: 'podMetric',
    namespace: 'ml',
    metric: 'modelship_inflight_requests',
    labelSelector: 'a=b,c=d',
  });
  const one = route('GET', '/apis/custom.metrics.k8s.io/v1beta2/namespaces/ml/pods/fraud-1/modelship_queue_depth?metricLabelSelector=x%3Dy');
  assert.deepEqual(one, { kind: 'podMetric', namespace: 'ml', pod: 'fraud-1', metric: 'modelship_queue_depth', labelSelector: '', metricLabelSelector: 'x=y' });
});

test('health needs no method check; other paths are 404 and other methods 405', () => {
  assert.equal(route('GET', '/readyz').kind, 'health');
  assert.equal(route('POST', '/apis').kind, 'methodNotAllowed');
  assert.equal(route('GET', '/apis/custom.metrics.k8s.io/v1beta1').kind, 'notFound');
  assert.equal(route('GET', '/apis/custom.metrics.k8s.io/v1beta2/namespaces/ml/services/*/x').kind, 'notFound');
});
