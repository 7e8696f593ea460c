/**
 * Where a Service sends traffic, worked out the way kube-proxy does it: the Service port (by name, number or
 * the only one), then the ready endpoints of the EndpointSlices labelled with the Service's name, each with
 * the slice port of the same name.
 *
 * When the slices hold no ready endpoint but the Service selects pods, the ready pods it selects are used
 * instead: that is what the EndpointSlice controller converges to, and it still answers while the controller
 * lags.
 *
 * Used by `kubectl modelship predict --direct`, which sends to one pod itself (from a machine on the cluster
 * network); everything else reaches a Service through its ClusterIP or the API server's service proxy.
 */
import type { KubeClient } from './client.ts';
import type { KubeList, ObjectMeta } from './object.ts';

export interface ServicePort {
  name?: string;
  port: number;
  targetPort?: number | string;
  protocol?: string;
}

export interface Service {
  metadata: ObjectMeta;
  spec?: { ports?: ServicePort[]; selector?: Record<string, string>; clusterIP?: string; type?: string };
}

export interface EndpointSlice {
  metadata: ObjectMeta;
  addressType?: 'IPv4' | 'IPv6' | 'FQDN';
  endpoints?: Array<{
    addresses: string[];
    conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean };
    targetRef?: { kind?: string; name?: string; namespace?: string };
    nodeName?: string;
  }>;
  ports?: Array<{ name?: string; port?: number; protocol?: string }>;
}

export interface Pod {
  metadata: ObjectMeta & { deletionTimestamp?: string };
  spec?: { containers?: Array<{ ports?: Array<{ name?: string; containerPort: number }> }> };
  status?: { podIP?: string; phase?: string; conditions?: Array<{ type: string; status: string }> };
}

export interface Endpoint {
  address: string;
  port: number;
  /** host:port, with brackets around an IPv6 address: ready to put in a URL. */
  hostPort: string;
  podName?: string;
}

export class EndpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EndpointError';
  }
}

/** The Service port a request for `wanted` (a port name or number; default: the only port) goes to. */
export function pickServicePort(service: Service, wanted?: string | number): ServicePort {
  const ports = service.spec?.ports ?? [];
  const name = service.metadata.name;
  if (ports.length === 0) throw new EndpointError(`service ${name} has no ports`);
  if (wanted === undefined || wanted === '') {
    if (ports.length === 1) return ports[0]!;
    const http = ports.find((p) => p.name === 'http');
    if (http) return http;
    throw new EndpointError(
      `service ${name} has ${ports.length} ports (${ports.map(describePort).join(', ')}); choose one with --port`,
    );
  }
  const byNumber = typeof wanted === 'number' || /^[0-9]+$/.test(wanted);
  const found = byNumber ? ports.find((p) => p.port === Number(wanted)) : ports.find((p) => p.name === wanted);
  if (!found) throw new EndpointError(`service ${name} has no port ${wanted} (it has ${ports.map(describePort).join(', ')})`);
  return found;
}

function describePort(p: ServicePort): string {
  return p.name ? `${p.name}:${p.port}` : String(p.port);
}

/**
 * Ready endpoints of `servicePort` across `slices`, deduplicated. An endpoint whose `ready` condition is
 * unset counts as ready, as the EndpointSlice API says consumers should treat it.
 */
export function readyEndpoints(servicePort: ServicePort, slices: EndpointSlice[]): Endpoint[] {
  const portName = servicePort.name ?? '';
  const seen = new Set<string>();
  const out: Endpoint[] = [];
  for (const slice of slices) {
    if (slice.addressType === 'FQDN') continue;
    const slicePort = (slice.ports ?? []).find((p) => (p.name ?? '') === portName);
    if (slicePort?.port === undefined) continue;
    for (const ep of slice.endpoints ?? []) {
      if (ep.conditions?.ready === false) continue;
      for (const address of ep.addresses) {
        const hostPort = formatHostPort(address, slicePort.port);
        if (seen.has(hostPort)) continue;
        seen.add(hostPort);
        out.push({
          address,
          port: slicePort.port,
          hostPort,
          ...(ep.targetRef?.kind === 'Pod' && ep.targetRef.name ? { podName: ep.targetRef.name } : {}),
        });
      }
    }
  }
  return out;
}

/** Ready, not terminating pods, with the Service port's targetPort (a number or a container port name). */
export function readyPodEndpoints(servicePort: ServicePort, pods: Pod[]): Endpoint[] {
  const out: Endpoint[] = [];
  for (const pod of pods) {
    const ip = pod.status?.podIP;
    const ready = pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
    if (!ip || !ready || pod.metadata.deletionTimestamp) continue;
    const target = servicePort.targetPort ?? servicePort.port;
    const port =
      typeof target === 'number' || /^[0-9]+$/.test(target)
        ? Number(target)
        : pod.spec?.containers?.flatMap((c) => c.ports ?? []).find((p) => p.name === target)?.containerPort;
    if (port === undefined) continue;
    out.push({ address: ip, port, hostPort: formatHostPort(ip, port), podName: pod.metadata.name });
  }
  return out;
}

export function formatHostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

export interface ResolvedService {
  service: Service;
  port: ServicePort;
  endpoints: Endpoint[];
  /** Where the endpoints came from. */
  source: 'endpointslices' | 'pods';
}

/** Reads the Service and its EndpointSlices and returns the ready endpoints behind one of its ports. */
export async function resolveService(
  client: KubeClient,
  namespace: string,
  serviceName: string,
  port?: string | number,
): Promise<ResolvedService> {
  const ns = encodeURIComponent(namespace);
  const service = await client.get<Service>(`/api/v1/namespaces/${ns}/services/${encodeURIComponent(serviceName)}`);
  const servicePort = pickServicePort(service, port);
  const slices = await client.get<KubeList<EndpointSlice>>(`/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices`, {
    query: { labelSelector: `kubernetes.io/service-name=${serviceName}` },
  });
  const endpoints = readyEndpoints(servicePort, slices.items);
  const selector = service.spec?.selector;
  if (endpoints.length > 0 || !selector || Object.keys(selector).length === 0) {
    return { service, port: servicePort, endpoints, source: 'endpointslices' };
  }
  const pods = await client.get<KubeList<Pod>>(`/api/v1/namespaces/${ns}/pods`, {
    query: { labelSelector: Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(',') },
  });
  return { service, port: servicePort, endpoints: readyPodEndpoints(servicePort, pods.items), source: 'pods' };
}
