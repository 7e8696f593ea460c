// Reaching Services on the proving ground. ClusterIPs lead nowhere here (there
// is no kube-proxy), so callers resolve a Service to its ready endpoints
// through EndpointSlices, the way kube-proxy does, and spread requests over
// them.
import { CoreV1Api, DiscoveryV1Api } from '@kubernetes/client-node';
import type { KubeConfig, V1ServicePort } from '@kubernetes/client-node';

export interface ServiceEndpoint {
  ip: string;
  port: number;
  /** http://ip:port */
  url: string;
  podName: string | undefined;
  nodeName: string | undefined;
}

/**
 * The ready endpoints of a Service, from its EndpointSlices
 * (label kubernetes.io/service-name). `port` picks the Service port by
 * number or name; it may be omitted when the Service has one port.
 */
export async function resolveService(kc: KubeConfig, namespace: string, name: string, port?: number | string): Promise<ServiceEndpoint[]> {
  const core = kc.makeApiClient(CoreV1Api);
  const discovery = kc.makeApiClient(DiscoveryV1Api);
  const service = await core.readNamespacedService({ namespace, name });
  const servicePort = pickServicePort(service.spec?.ports ?? [], port, `${namespace}/${name}`);
  const slices = await discovery.listNamespacedEndpointSlice({ namespace, labelSelector: `kubernetes.io/service-name=${name}` });

  const endpoints: ServiceEndpoint[] = [];
  const seen = new Set<string>();
  for (const slice of slices.items) {
    if (slice.addressType !== 'IPv4' && slice.addressType !== 'IPv6') continue;
    // EndpointSlice ports carry the Service port's name ('' when unnamed) and the resolved target port.
    const slicePort = (slice.ports ?? []).find((candidate) => (candidate.name ?? '') === (servicePort.name ?? ''));
    if (slicePort?.port === undefined || slicePort.port === null) continue;
    for (const endpoint of slice.endpoints ?? []) {
      // Absent "ready" means ready (API convention for this field).
      if (endpoint.conditions?.ready === false) continue;
      for (const ip of endpoint.addresses.slice(0, 1)) {
        const key = `${ip}:${slicePort.port}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const host = ip.includes(':') ? `[${ip}]` : ip;
        endpoints.push({
          ip,
          port: slicePort.port,
          url: `http://${host}:${slicePort.port}`,
          podName: endpoint.targetRef?.kind === 'Pod' ? endpoint.targetRef.name : undefined,
          nodeName: endpoint.nodeName,
        });
      }
    }
  }
  return endpoints;
}

function pickServicePort(ports: V1ServicePort[], wanted: number | string | undefined, service: string): V1ServicePort {
  if (wanted === undefined) {
    if (ports.length === 1) return ports[0]!;
    throw new Error(`service ${service} has ${ports.length} ports (${ports.map((p) => p.name ?? p.port).join(', ')}); say which`);
  }
  const match = ports.find((candidate) => candidate.port === wanted || candidate.name === wanted);
  if (!match) throw new Error(`service ${service} has no port ${wanted}`);
  return match;
}

export class NoReadyEndpointsError extends Error {
  override name = 'NoReadyEndpointsError';
}

export interface ServiceClientOptions {
  port?: number | string;
  /** Reuse a resolution for this long (default 0: resolve on every request, like a fresh connection would). */
  cacheMs?: number;
  /** Picks one endpoint; default uniformly at random, like kube-proxy's iptables mode. */
  choose?: (endpoints: ServiceEndpoint[]) => ServiceEndpoint;
}

/**
 * An HTTP client for a Service: every request goes to one ready endpoint,
 * chosen at random among the current ready ones.
 */
export class ServiceClient {
  private readonly kc: KubeConfig;
  private readonly namespace: string;
  private readonly name: string;
  private readonly options: ServiceClientOptions;
  private cached: { at: number; endpoints: ServiceEndpoint[] } | undefined;

  constructor(kc: KubeConfig, namespace: string, name: string, options: ServiceClientOptions = {}) {
    this.kc = kc;
    this.namespace = namespace;
    this.name = name;
    this.options = options;
  }

  async endpoints(): Promise<ServiceEndpoint[]> {
    const cacheMs = this.options.cacheMs ?? 0;
    if (this.cached && Date.now() - this.cached.at < cacheMs) return this.cached.endpoints;
    const endpoints = await resolveService(this.kc, this.namespace, this.name, this.options.port);
    this.cached = { at: Date.now(), endpoints };
    return endpoints;
  }

  /** fetch() against one ready endpoint; `path` starts with '/'. The response says which endpoint answered. */
  async fetch(path: string, init?: RequestInit): Promise<Response & { endpoint: ServiceEndpoint }> {
    const endpoints = await this.endpoints();
    if (endpoints.length === 0) throw new NoReadyEndpointsError(`service ${this.namespace}/${this.name} has no ready endpoints`);
    const endpoint = (this.options.choose ?? randomEndpoint)(endpoints);
    const response = await fetch(endpoint.url + path, init);
    return Object.assign(response, { endpoint });
  }
}

function randomEndpoint(endpoints: ServiceEndpoint[]): ServiceEndpoint {
  return endpoints[Math.floor(Math.random() * endpoints.length)]!;
}
