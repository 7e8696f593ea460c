// Which document a request asks for: the URL paths of an aggregated custom.metrics.k8s.io server. Pure.
import { GROUP, VERSION } from './documents.ts';

export type Route =
  | { kind: 'health' }
  | { kind: 'groups' }
  | { kind: 'group' }
  | { kind: 'resources' }
  | { kind: 'podMetric'; namespace: string; pod?: string; metric: string; labelSelector: string; metricLabelSelector?: string }
  | { kind: 'notFound'; message: string }
  | { kind: 'methodNotAllowed' };

const HEALTH = new Set(['/healthz', '/livez', '/readyz']);
const PODS_METRIC = new RegExp(`^/apis/${GROUP.replaceAll('.', '\\.')}/${VERSION}/namespaces/([^/]+)/pods/([^/]+)/([^/]+)$`);

export function route(method: string, rawUrl: string): Route {
  const url = new URL(rawUrl, 'https://adapter.invalid');
  const path = url.pathname.replace(/\/$/, '') || '/';
  if (HEALTH.has(path)) return { kind: 'health' };
  if (method !== 'GET') return { kind: 'methodNotAllowed' };
  if (path === '/apis') return { kind: 'groups' };
  if (path === `/apis/${GROUP}`) return { kind: 'group' };
  if (path === `/apis/${GROUP}/${VERSION}`) return { kind: 'resources' };
  const pods = PODS_METRIC.exec(path);
  if (pods) {
    const [, namespace = '', pod = '', metric = ''] = pods.map(decodeURIComponent);
    const metricLabelSelector = url.searchParams.get('metricLabelSelector') ?? undefined;
    return {
      kind: 'podMetric',
      namespace,
      ...(pod === '*' ? {} : { pod }),
      metric,
      labelSelector: url.searchParams.get('labelSelector') ?? '',
      ...(metricLabelSelector ? { metricLabelSelector } : {}),
    };
  }
  return { kind: 'notFound', message: `the server could not find the requested resource ${path}` };
}
