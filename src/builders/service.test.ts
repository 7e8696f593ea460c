import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModelDeployment } from '../api/types.ts';
import { sampleModelDeployment } from '../../test/support/sample.ts';
import { childLabels, selectorLabels } from './labels.ts';
import { buildService, buildServices, serviceUrl } from './service.ts';

describe('Service', () => {
  test('sends port 80 to the runtime port 8080 and 8081 to its gRPC port, of every revision', () => {
    const md = sampleModelDeployment();
    const svc = buildService(md);
    assert.deepEqual(svc.spec?.ports, [
      { name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' },
      { name: 'grpc', port: 8081, targetPort: 8081, protocol: 'TCP', appProtocol: 'kubernetes.io/h2c' },
    ]);
    assert.deepEqual(svc.spec?.selector, selectorLabels(md));
    assert.equal(svc.metadata?.ownerReferences?.[0]?.controller, true);
    assert.deepEqual(svc.metadata?.labels, childLabels(md));
    assert.equal(serviceUrl(md), 'http://fraud.ml.svc.cluster.local');
  });

  test('has no gRPC port when the spec turns gRPC off', () => {
    const svc = buildService(sampleModelDeployment('fraud', 'ml', { runtime: { grpc: false } }));
    assert.deepEqual(svc.spec?.ports, [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }]);
  });
});

const canaryMd: Pick<ModelDeployment, 'metadata' | 'spec'> = {
  metadata: { name: 'fraud', namespace: 'ml', uid: 'u1' },
  spec: { model: { version: '3', uri: 's3://models/fraud/3.onnx' }, replicas: 4, rollout: { strategy: 'Canary', steps: [{ setWeight: 10 }] } },
};

describe('buildServices', () => {
  const byName = (services: ReturnType<typeof buildServices>) => Object.fromEntries(services.map((s) => [s.name, s.desired?.spec?.selector]));
  const base = { 'app.kubernetes.io/name': 'modelship-runtime', 'modelship.io/deployment': 'fraud' };

  test('Canary: the main Service spans revisions; stable and canary target one each', () => {
    assert.deepEqual(byName(buildServices(canaryMd, { stable: 'a', candidate: 'b' }, 'Canary')), {
      fraud: base,
      'fraud-stable': { ...base, 'modelship.io/revision': 'a' },
      'fraud-canary': { ...base, 'modelship.io/revision': 'b' },
      'fraud-preview': undefined,
    });
  });

  test('BlueGreen: the main Service selects the active revision; the preview Service the candidate', () => {
    assert.deepEqual(byName(buildServices(canaryMd, { main: 'a', stable: 'a', candidate: 'b' }, 'BlueGreen')), {
      fraud: { ...base, 'modelship.io/revision': 'a' },
      'fraud-stable': { ...base, 'modelship.io/revision': 'a' },
      'fraud-canary': undefined,
      'fraud-preview': { ...base, 'modelship.io/revision': 'b' },
    });
  });

  test('RollingUpdate has the main Service only', () => {
    assert.deepEqual(byName(buildServices(canaryMd, { stable: 'a', candidate: 'a' }, 'RollingUpdate')), {
      fraud: base,
      'fraud-stable': undefined,
      'fraud-canary': undefined,
      'fraud-preview': undefined,
    });
  });
});
