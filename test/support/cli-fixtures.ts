// ModelDeployments in the shapes the operator writes, for the plugin's unit tests.
import type { ModelDeployment } from '../../src/api/types.ts';

export const NOW = Date.parse('2025-03-01T12:00:00Z');
const ago = (s: number) => new Date(NOW - s * 1000).toISOString();

export function steadyMd(): ModelDeployment {
  return {
    apiVersion: 'modelship.io/v1alpha1',
    kind: 'ModelDeployment',
    metadata: { name: 'fraud', namespace: 'ml', generation: 2, uid: 'u-1', annotations: {} },
    spec: { model: { version: '2', uri: 's3://models/fraud/2/model.onnx' }, replicas: 2 },
    status: {
      observedGeneration: 2,
      conditions: [
        { type: 'Ready', status: 'True', reason: 'RolloutCompleted', message: 'Version 2 serves on 2 of 2 replicas', lastTransitionTime: ago(3600) },
      ],
      stableRevision: { revision: 2, version: '2', hash: '7f9c2d1b55aa', uri: 's3://models/fraud/2/model.onnx', replicas: 2, readyReplicas: 2 },
      replicas: 2,
      readyReplicas: 2,
      url: 'http://fraud.ml.svc.cluster.local',
      history: [
        { revision: 1, version: '1', hash: '1111111111', uri: 's3://models/fraud/1/model.onnx', outcome: 'Promoted', reason: 'RolloutCompleted', time: ago(86400 * 3) },
        { revision: 2, version: '2', hash: '7f9c2d1b55aa', uri: 's3://models/fraud/2/model.onnx', outcome: 'Promoted', reason: 'RolloutCompleted', time: ago(3600) },
      ],
    },
  };
}

export function canaryMd(): ModelDeployment {
  const md = steadyMd();
  md.metadata.generation = 3;
  md.spec = {
    model: { version: '3', uri: 's3://models/fraud/3/model.onnx' },
    replicas: 4,
    rollout: {
      strategy: 'Canary',
      steps: [{ setWeight: 25 }, { pause: { duration: '60s' } }, { setWeight: 50 }, { pause: {} }],
      analysis: { maxErrorRate: 0.01, failureLimit: 1 },
    },
  };
  md.status = {
    ...md.status,
    observedGeneration: 3,
    conditions: [
      { type: 'Ready', status: 'False', reason: 'RolloutInProgress', message: 'Version 3 is a canary at 50%', lastTransitionTime: ago(300) },
      { type: 'Reconciling', status: 'True', reason: 'CanaryStep', message: 'Canary version 3 at 50% (step 3 of 4)', lastTransitionTime: ago(300) },
    ],
    stableRevision: { revision: 2, version: '2', hash: '7f9c2d1b55aa', uri: 's3://models/fraud/2/model.onnx', replicas: 2, readyReplicas: 2 },
    canaryRevision: {
      revision: 3,
      version: '3',
      hash: 'a1b2c3d4e5ff',
      uri: 's3://models/fraud/3/model.onnx',
      replicas: 2,
      readyReplicas: 2,
      weight: 50,
      step: 2,
      startTime: ago(300),
      stepStartTime: ago(40),
    },
    analysis: {
      hash: 'a1b2c3d4e5ff',
      phase: 'Running',
      successful: 3,
      failed: 0,
      inconclusive: 1,
      measurements: [
        { time: ago(30), phase: 'Successful', requests: 120, errorRate: 0, p99LatencyMs: 12.5, stableP99LatencyMs: 11.2 },
      ],
    },
    replicas: 4,
    readyReplicas: 4,
  };
  return md;
}

export function rolledBackMd(): ModelDeployment {
  const md = steadyMd();
  md.metadata.generation = 4;
  md.spec.model = { version: '4', uri: 's3://models/fraud/4/model.onnx' };
  md.status = {
    ...md.status,
    observedGeneration: 4,
    conditions: [
      { type: 'Ready', status: 'True', reason: 'RolledBack', message: 'Version 2 serves; version 4 was rolled back', lastTransitionTime: ago(60) },
      { type: 'Degraded', status: 'True', reason: 'AnalysisFailed', message: 'Version 4 rolled back: error rate 12.5% above 1%', lastTransitionTime: ago(60) },
    ],
    history: [
      ...(md.status?.history ?? []),
      { revision: 3, version: '4', hash: '0badc0ffee', uri: 's3://models/fraud/4/model.onnx', outcome: 'RolledBack', reason: 'AnalysisFailed', time: ago(60) },
    ],
  };
  return md;
}
