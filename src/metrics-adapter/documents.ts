// The custom.metrics.k8s.io documents the adapter answers with, in the shapes the HPA controller's metrics
// client and `kubectl get --raw` expect (k8s.io/metrics pkg/apis/custom_metrics/v1beta2). Pure builders.

export const GROUP = 'custom.metrics.k8s.io';
export const VERSION = 'v1beta2';
export const GROUP_VERSION = `${GROUP}/${VERSION}`;

/** What one pod reported for one metric at one moment. */
export interface PodMetricValue {
  namespace: string;
  pod: string;
  value: number;
  /** When the pod was scraped. */
  at: Date;
}

export function apiGroupList(): object {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: [apiGroup()] };
}

export function apiGroup(): object {
  const version = { groupVersion: GROUP_VERSION, version: VERSION };
  return { kind: 'APIGroup', apiVersion: 'v1', name: GROUP, versions: [version], preferredVersion: version };
}

/** The discovery document: one pods/<metric> resource per metric served, read with get only. */
export function apiResourceList(metrics: readonly string[]): object {
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: GROUP_VERSION,
    resources: metrics.map((metric) => ({ name: `pods/${metric}`, singularName: '', namespaced: true, kind: 'MetricValueList', verbs: ['get'] })),
  };
}

/**
 * One entry per pod. windowSeconds is 0: the value is a gauge read at `timestamp`, not a rate over a window.
 * The metric selector is null (as upstream encodes none): a runtime pod serves one model, so each gauge
 * has one series per pod and nothing to select by.
 */
export function metricValueList(metric: string, values: readonly PodMetricValue[]): object {
  return {
    kind: 'MetricValueList',
    apiVersion: GROUP_VERSION,
    metadata: {},
    items: values.map((v) => metricValue(metric, v)),
  };
}

function metricValue(metric: string, v: PodMetricValue): object {
  return {
    describedObject: { kind: 'Pod', namespace: v.namespace, name: v.pod, apiVersion: '/v1' },
    metric: { name: metric, selector: null },
    timestamp: v.at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    windowSeconds: 0,
    value: quantity(v.value),
  };
}

/**
 * A number as a Kubernetes quantity: whole numbers as they are, fractions in milli-units (rounded up, so a
 * pod with some load never reads as none), which is how the API server itself serialises them.
 */
export function quantity(value: number): string {
  if (Number.isInteger(value)) return String(value);
  return `${Math.ceil(value * 1000)}m`;
}

/** A metav1.Status error, as every Kubernetes API answers failures. */
export function status(code: number, reason: string, message: string): object {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}
