import { Value } from '@sinclair/typebox/value';
import { ModelDeploymentSpecSchema } from './schema.ts';
import type { DefaultedModelDeploymentSpec, ModelDeployment, ModelDeploymentSpec } from './types.ts';

/**
 * The spec with the schema's defaults filled in, as the API server stores it. The operator reads objects that
 * the API server has already defaulted; this keeps pure builders and tests honest when they start from a
 * hand-written spec. Does not modify its argument.
 */
export function applyDefaults(spec: ModelDeploymentSpec): DefaultedModelDeploymentSpec {
  return Value.Default(ModelDeploymentSpecSchema, structuredClone(spec)) as DefaultedModelDeploymentSpec;
}

/** The name the model is served under: spec.model.name, or the ModelDeployment's own name. */
export function servedModelName(md: Pick<ModelDeployment, 'metadata' | 'spec'>): string {
  return md.spec.model.name ?? md.metadata.name ?? '';
}
