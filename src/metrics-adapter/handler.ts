// Answers one authenticated request: discovery, or the values of a served metric for the selected pods.
// The I/O (listing and scraping pods) is PodMetrics'; this decides what to answer and with which status.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { apiGroup, apiGroupList, apiResourceList, metricValueList, status } from './documents.ts';
import type { PodMetricValue } from './documents.ts';
import type { Route } from './routes.ts';

export interface MetricValues {
  values(namespace: string, labelSelector: string, metric: string, podName?: string): Promise<PodMetricValue[]>;
}

export interface Answer {
  code: number;
  body: object | string;
}

export async function answer(r: Route, metrics: readonly string[], source: MetricValues): Promise<Answer> {
  switch (r.kind) {
    case 'health':
      return { code: 200, body: 'ok' };
    case 'methodNotAllowed':
      return { code: 405, body: status(405, 'MethodNotAllowed', 'only get is supported on custom metrics') };
    case 'notFound':
      return { code: 404, body: status(404, 'NotFound', r.message) };
    case 'groups':
      return { code: 200, body: apiGroupList() };
    case 'group':
      return { code: 200, body: apiGroup() };
    case 'resources':
      return { code: 200, body: apiResourceList(metrics) };
    case 'podMetric':
      return podMetric(r, metrics, source);
  }
}

async function podMetric(r: Extract<Route, { kind: 'podMetric' }>, metrics: readonly string[], source: MetricValues): Promise<Answer> {
  if (!metrics.includes(r.metric)) {
    return { code: 404, body: status(404, 'NotFound', `the server could not find the metric ${r.metric} for pods (served: ${metrics.join(', ')})`) };
  }
  if (r.metricLabelSelector !== undefined) {
    return { code: 400, body: status(400, 'BadRequest', `metricLabelSelector is not supported: ${r.metric} has one series per pod`) };
  }
  const values = await source.values(r.namespace, r.labelSelector, r.metric, r.pod);
  if (r.pod === undefined) return { code: 200, body: metricValueList(r.metric, values) };
  // One named pod is still a MetricValueList, of one item, as custom-metrics-apiserver answers it.
  if (values.length === 0) return { code: 404, body: status(404, 'NotFound', `the server could not find the metric ${r.metric} for pods ${r.pod}`) };
  return { code: 200, body: metricValueList(r.metric, values) };
}

export function send(res: ServerResponse, { code, body }: Answer): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(code, { 'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json' });
  res.end(text);
}

/** The request's method and URL, never missing (node types them optional). */
export function methodAndUrl(req: IncomingMessage): [string, string] {
  return [req.method ?? 'GET', req.url ?? '/'];
}
