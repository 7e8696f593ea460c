import { GROUP, KIND, PLURAL, VERSION } from '../api/constants.ts';

/** Where a kind lives in the API. */
export interface Resource {
  group: string;
  version: string;
  plural: string;
  kind: string;
}

export const ModelDeployments: Resource = { group: GROUP, version: VERSION, plural: PLURAL, kind: KIND };
export const Deployments: Resource = { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment' };
export const Services: Resource = { group: '', version: 'v1', plural: 'services', kind: 'Service' };
export const Pods: Resource = { group: '', version: 'v1', plural: 'pods', kind: 'Pod' };
export const HorizontalPodAutoscalers: Resource = {
  group: 'autoscaling',
  version: 'v2',
  plural: 'horizontalpodautoscalers',
  kind: 'HorizontalPodAutoscaler',
};
export const Leases: Resource = { group: 'coordination.k8s.io', version: 'v1', plural: 'leases', kind: 'Lease' };
export const Events: Resource = { group: 'events.k8s.io', version: 'v1', plural: 'events', kind: 'Event' };

export function apiVersionOf(r: Resource): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

/**
 * The REST path of a collection (no name) or an object. With no namespace the
 * collection spans all namespaces.
 */
export function pathFor(r: Resource, namespace?: string, name?: string, subresource?: string): string {
  const root = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  let p = namespace ? `${root}/namespaces/${encodeURIComponent(namespace)}/${r.plural}` : `${root}/${r.plural}`;
  if (name) p += `/${encodeURIComponent(name)}`;
  if (subresource) p += `/${subresource}`;
  return p;
}
