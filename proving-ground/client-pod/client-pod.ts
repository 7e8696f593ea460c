// A client pod: the way a user's application inside the cluster reaches a model, through the model
// Service's ClusterIP and kube-proxy's rules, from its own network namespace. It runs steady-client.ts
// (mounted from a ConfigMap) with the node of the proving ground's testapp image; the host reads its
// counts through the API server's pod proxy, as `kubectl get --raw` would.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import type { KubeClient } from '../../src/kube/client.ts';
import type { Service } from '../../src/kube/endpoints.ts';
import { pickServicePort } from '../../src/kube/endpoints.ts';
import { pollUntil } from '../lib/wait.ts';
import { RESTRICTED_CONTAINER, TESTAPP_IMAGE } from '../testapp-spec.ts';

const SCRIPT = readFileSync(join(import.meta.dirname, 'steady-client.ts'), 'utf8');

export interface ClientPodOptions {
  /** The pod's name (its ConfigMap takes the same name). */
  name: string;
  namespace: string;
  /** The Service whose ClusterIP the client sends to, and the port (name or number; default its only or `http` port). */
  service: string;
  port?: string | number;
  /** Request path and JSON body, e.g. an OIP infer call. */
  path: string;
  body: unknown;
  headers?: Record<string, string>;
  concurrency?: number;
  gapMs?: number;
}

export interface ClientTotals {
  sent: number;
  ok: number;
  failed: number;
  byVersion: Record<string, number>;
  failures: string[];
}

export class ClientPod {
  readonly url: string;
  private readonly client: KubeClient;
  private readonly proxy: string;
  private readonly options: ClientPodOptions;
  private last: ClientTotals = { sent: 0, ok: 0, failed: 0, byVersion: {}, failures: [] };
  private stopped: ClientTotals | undefined;

  private constructor(client: KubeClient, options: ClientPodOptions, url: string) {
    this.client = client;
    this.options = options;
    this.url = url;
    this.proxy = `/api/v1/namespaces/${options.namespace}/pods/${options.name}:8080/proxy`;
  }

  /** Creates the ConfigMap and the pod, and waits until the client runs (its pod is Ready). */
  static async start(client: KubeClient, options: ClientPodOptions): Promise<ClientPod> {
    const { namespace, name } = options;
    const service = await client.get<Service>(`/api/v1/namespaces/${namespace}/services/${options.service}`);
    const clusterIP = service.spec?.clusterIP;
    if (!clusterIP || clusterIP === 'None') throw new Error(`service ${namespace}/${options.service} has no ClusterIP`);
    const url = `http://${clusterIP}:${pickServicePort(service, options.port).port}${options.path}`;
    await client.create(`/api/v1/namespaces/${namespace}/configmaps`, { metadata: { name }, data: { 'steady-client.ts': SCRIPT } });
    await client.create(`/api/v1/namespaces/${namespace}/pods`, clientPodSpec(options, url));
    await pollUntil(
      async () => {
        const pod = await client.get<V1Pod>(`/api/v1/namespaces/${namespace}/pods/${name}`);
        return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
      },
      { description: `client pod ${namespace}/${name} to be Ready`, timeoutMs: 120_000, intervalMs: 250 },
    );
    return new ClientPod(client, options, url);
  }

  /** The client's running totals; the last ones read when the API server does not answer. */
  async totals(): Promise<ClientTotals> {
    if (this.stopped) return this.stopped;
    try {
      this.last = await this.client.get<ClientTotals>(`${this.proxy}/summary`);
    } catch {
      // A slow API server only delays the count shown.
    }
    return this.last;
  }

  /** Answers per model version between two times (ms since the epoch; the pod shares the host's clock). */
  versionsBetween(from: number, to: number): Promise<Record<string, number>> {
    return this.client.get<Record<string, number>>(`${this.proxy}/versions`, { query: { from, to } });
  }

  /** Ends the loops and returns the final totals; the pod and its ConfigMap are deleted. */
  async stop(): Promise<ClientTotals> {
    if (this.stopped) return this.stopped;
    this.stopped = await this.client.create<ClientTotals>(`${this.proxy}/stop`, {});
    const { namespace, name } = this.options;
    await this.client.delete(`/api/v1/namespaces/${namespace}/pods/${name}`, { query: { gracePeriodSeconds: 0 } }).catch(() => undefined);
    await this.client.delete(`/api/v1/namespaces/${namespace}/configmaps/${name}`).catch(() => undefined);
    return this.stopped;
  }
}

/** The pod: Pod Security `restricted`, the testapp image's node running the mounted script. */
function clientPodSpec(options: ClientPodOptions, url: string): V1Pod {
  const env = {
    TARGET_URL: url,
    BODY: JSON.stringify(options.body),
    HEADERS: JSON.stringify(options.headers ?? {}),
    CONCURRENCY: String(options.concurrency ?? 2),
    GAP_MS: String(options.gapMs ?? 20),
  };
  return {
    metadata: { name: options.name, labels: { app: options.name } },
    spec: {
      containers: [
        {
          name: 'client',
          image: TESTAPP_IMAGE,
          command: ['node', '/client/steady-client.ts'],
          env: Object.entries(env).map(([name, value]) => ({ name, value })),
          ports: [{ name: 'http', containerPort: 8080 }],
          readinessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 1 },
          securityContext: RESTRICTED_CONTAINER,
          volumeMounts: [{ name: 'client', mountPath: '/client', readOnly: true }],
        },
      ],
      volumes: [{ name: 'client', configMap: { name: options.name } }],
    },
  };
}
