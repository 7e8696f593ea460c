import type { V2HorizontalPodAutoscaler, V2MetricSpec } from '@kubernetes/client-node';
import { API_VERSION, KIND } from '../api/constants.ts';
import type { ModelDeployment } from '../api/types.ts';
import { childLabels } from './labels.ts';
import { childMetadata } from './owner.ts';

/** The runtime's gauge the request-driven target reads, served per pod through custom.metrics.k8s.io. */
export const INFLIGHT_METRIC = 'modelship_inflight_requests';

type Spec = Pick<ModelDeployment, 'metadata' | 'spec'>;

/**
 * The CPU target when none is written. Not when the model scales on in-flight requests: an HPA holds every
 * scale-down while any of its metrics cannot be read, so a CPU metric nobody asked for would make a cluster
 * without metrics-server scale such a model up and never back down.
 */
export const DEFAULT_CPU_TARGET = 80;

export function hpaName(md: Spec): string {
  return md.metadata.name ?? '';
}

/**
 * The autoscaler, or undefined when spec.autoscaling is unset. It scales the
 * ModelDeployment itself through /scale, never the Deployment: the HPA owns
 * md.spec.replicas and the operator derives every Deployment's size from it,
 * so the two never fight over a field.
 */
export function buildHpa(md: Spec): V2HorizontalPodAutoscaler | undefined {
  const a = md.spec.autoscaling;
  if (!a) return undefined;
  const metrics: V2MetricSpec[] = [];
  const cpuTarget = a.targetCPUUtilizationPercentage ?? (a.targetInflightRequestsPerPod === undefined ? DEFAULT_CPU_TARGET : undefined);
  if (cpuTarget !== undefined) {
    metrics.push({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: cpuTarget } } });
  }
  if (a.targetMemoryUtilizationPercentage !== undefined) {
    metrics.push({
      type: 'Resource',
      resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: a.targetMemoryUtilizationPercentage } },
    });
  }
  if (a.targetInflightRequestsPerPod !== undefined) metrics.push(inflightRequestsMetric(a.targetInflightRequestsPerPod));
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: childMetadata(md, hpaName(md), childLabels(md)),
    spec: {
      scaleTargetRef: { apiVersion: API_VERSION, kind: KIND, name: md.metadata.name ?? '' },
      minReplicas: a.minReplicas ?? 1,
      maxReplicas: a.maxReplicas,
      metrics,
      ...(a.scaleDownStabilizationSeconds !== undefined
        ? { behavior: { scaleDown: { stabilizationWindowSeconds: a.scaleDownStabilizationSeconds } } }
        : {}),
    },
  };
}

/**
 * The request-driven target: a Pods metric averaged over the scaled pods (ADR 0009). The HPA takes the
 * largest replica count any of its metrics asks for, so this adds to CPU and memory rather than replacing them.
 */
function inflightRequestsMetric(target: number | string): V2MetricSpec {
  return {
    type: 'Pods',
    pods: { metric: { name: INFLIGHT_METRIC }, target: { type: 'AverageValue', averageValue: String(target) } },
  };
}
