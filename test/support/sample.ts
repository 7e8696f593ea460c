import type { ModelDeployment, ModelDeploymentSpec } from '../../src/api/types.ts';

/** A small ModelDeployment as the API server would hand it back, for tests and the benchmark. */
export function sampleModelDeployment(name = 'fraud', namespace = 'ml', spec: Partial<ModelDeploymentSpec> = {}): ModelDeployment {
  return {
    apiVersion: 'modelship.io/v1alpha1',
    kind: 'ModelDeployment',
    metadata: { name, namespace, uid: `uid-${name}`, generation: 1, resourceVersion: '1' },
    spec: {
      model: { version: '3', uri: 's3://models/fraud/3/model.onnx' },
      replicas: 2,
      ...spec,
    },
  };
}
