// Reaching Services on the proving ground. ClusterIPs lead nowhere here (there
// is no kube-proxy), so callers resolve a Service to its ready endpoints
// through EndpointSlices, the way kube-proxy does (src/kube/endpoints.ts, the
// same resolution the kubectl plugin uses), and spread requests over them.
import type { KubeClient } from '../src/kube/client.ts';
import type { Endpoint } from '../src/kube/endpoints.ts';
import { resolveService } from '../src/kube/endpoints.ts';

export class NoReadyEndpointsError extends Error {
  override name = 'NoReadyEndpointsError';
}

export interface ServiceClientOptions {
  port?: number | string;
  /** Reuse a resolution for this long (default 0: resolve on every request, like a fresh connection would). */
  cacheMs?: number;
  /** Picks one endpoint; default uniformly at random, like kube-proxy's iptables mode. */
  choose?: (endpoints: Endpoint[]) => Endpoint;
}

/**
 * An HTTP client for a Service: every request goes to one ready endpoint,
 * chosen at random among the current ready ones.
 */
export class ServiceClient {
  private readonly client: KubeClient;
  private readonly namespace: string;
  private readonly name: string;
  private readonly options: ServiceClientOptions;
  private cached: { at: number; endpoints: Endpoint[] } | undefined;

  constructor(client: KubeClient, namespace: string, name: string, options: ServiceClientOptions = {}) {
    this.client = client;
    this.namespace = namespace;
    this.name = name;
    this.options = options;
  }

  async endpoints(): Promise<Endpoint[]> {
    const cacheMs = this.options.cacheMs ?? 0;
    if (this.cached && Date.now() - this.cached.at < cacheMs) return this.cached.endpoints;
    const { endpoints } = await resolveService(this.client, this.namespace, this.name, this.options.port);
    this.cached = { at: Date.now(), endpoints };
    return endpoints;
  }

  /** fetch() against one ready endpoint; `path` starts with '/'. The response says which endpoint answered. */
  async fetch(path: string, init?: RequestInit): Promise<Response & { endpoint: Endpoint }> {
    const endpoints = await this.endpoints();
    if (endpoints.length === 0) throw new NoReadyEndpointsError(`service ${this.namespace}/${this.name} has no ready endpoints`);
    const endpoint = (this.options.choose ?? randomEndpoint)(endpoints);
    const response = await fetch(`http://${endpoint.hostPort}${path}`, init);
    return Object.assign(response, { endpoint });
  }
}

function randomEndpoint(endpoints: Endpoint[]): Endpoint {
  return endpoints[Math.floor(Math.random() * endpoints.length)]!;
}
