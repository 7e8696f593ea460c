import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sampleModelDeployment } from '../../test/support/sample.ts';
import { buildHpa } from './hpa.ts';

describe('HorizontalPodAutoscaler', () => {
  test('is not built without spec.autoscaling', () => {
    assert.equal(buildHpa(sampleModelDeployment()), undefined);
  });

  test('scales the ModelDeployment through /scale, not the Deployment', () => {
    const md = sampleModelDeployment('fraud', 'ml', {
      autoscaling: { minReplicas: 2, maxReplicas: 10, targetCPUUtilizationPercentage: 70, targetMemoryUtilizationPercentage: 80, scaleDownStabilizationSeconds: 60 },
    });
    const hpa = buildHpa(md);
    assert.equal(hpa?.apiVersion, 'autoscaling/v2');
    assert.deepEqual(hpa?.spec?.scaleTargetRef, { apiVersion: 'modelship.io/v1alpha1', kind: 'ModelDeployment', name: 'fraud' });
    assert.equal(hpa?.spec?.minReplicas, 2);
    assert.equal(hpa?.spec?.maxReplicas, 10);
    assert.deepEqual(
      hpa?.spec?.metrics?.map((m) => [m.resource?.name, m.resource?.target.averageUtilization]),
      [['cpu', 70], ['memory', 80]],
    );
    assert.equal(hpa?.spec?.behavior?.scaleDown?.stabilizationWindowSeconds, 60);
  });

  test('adds the in-flight requests Pods metric next to CPU when targetInflightRequestsPerPod is set', () => {
    for (const [target, averageValue] of [[4, '4'], ['2500m', '2500m']] as const) {
      const md = sampleModelDeployment('fraud', 'ml', { autoscaling: { maxReplicas: 5, targetCPUUtilizationPercentage: 90, targetInflightRequestsPerPod: target } });
      const metrics = buildHpa(md)?.spec?.metrics ?? [];
      assert.deepEqual(metrics.map((m) => m.type), ['Resource', 'Pods']);
      assert.deepEqual(metrics[1]?.pods, { metric: { name: 'modelship_inflight_requests' }, target: { type: 'AverageValue', averageValue } });
    }
  });

  test('without targets it aims for 80% CPU and reads no Pods metric', () => {
    const md = sampleModelDeployment('fraud', 'ml', { autoscaling: { maxReplicas: 5 } });
    const metrics = buildHpa(md)?.spec?.metrics ?? [];
    assert.deepEqual(metrics.map((m) => [m.type, m.resource?.name, m.resource?.target.averageUtilization]), [['Resource', 'cpu', 80]]);
  });

  test('a model that scales on in-flight requests alone gets no CPU metric it did not ask for (no metrics-server needed)', () => {
    const md = sampleModelDeployment('fraud', 'ml', { autoscaling: { maxReplicas: 5, targetInflightRequestsPerPod: 3 } });
    assert.deepEqual(buildHpa(md)?.spec?.metrics?.map((m) => m.type), ['Pods']);
    const withMemory = sampleModelDeployment('fraud', 'ml', { autoscaling: { maxReplicas: 5, targetMemoryUtilizationPercentage: 70, targetInflightRequestsPerPod: 3 } });
    assert.deepEqual(buildHpa(withMemory)?.spec?.metrics?.map((m) => m.resource?.name ?? m.pods?.metric.name), ['memory', 'modelship_inflight_requests']);
  });
});
