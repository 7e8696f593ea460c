// Shared pieces of the rollout tests on the proving ground: the operator running our real runtime image
// (pods are real runtime processes serving the fixture models), a steady client that sends inference
// requests through the main Service's ready endpoints for the whole rollout and counts every failure,
// and small helpers to read and steer a ModelDeployment.
import { join } from 'node:path';
import type { V1Deployment, V1Pod } from '@kubernetes/client-node';
import { REPO_ROOT } from '../../proving-ground/cluster.ts';
import type { Cluster } from '../../proving-ground/cluster.ts';
import { createModelClaim, kubectl } from '../../proving-ground/test-cluster.ts';
import { packageVersion } from '../../src/version.ts';
import { pollUntil } from '../../proving-ground/lib/wait.ts';
import { FIXTURES } from '../../runtime/fixtures/paths.ts';
import type { KubeClient } from '../../src/kube/client.ts';
import type { EndpointSlice, Endpoint, Service } from '../../src/kube/endpoints.ts';
import { formatHostPort, pickServicePort, readyEndpoints } from '../../src/kube/endpoints.ts';
import type { KubeList } from '../../src/kube/object.ts';
import { CRD_NAME } from '../../src/api/constants.ts';
import type { ModelDeployment, ModelDeploymentSpec } from '../../src/api/types.ts';
import { OperatorProcess, applyModelDeployment, getMd } from '../operator/harness.ts';
import { closeGrpcChannels, grpcInfer } from './grpc-infer.ts';

/** The runtime image `npm run images` builds; the local kubelet runs it from its image store. */
export const RUNTIME_IMAGE = `ghcr.io/modelship/runtime:${packageVersion()}`;
/** The fixture model in each test namespace's `models` claim (provideModels). */
export const MODEL_URI = 'pvc://models/linear_regression.onnx';
/** A model file that is not ONNX at all: the runtime fails to load it. */
export const CORRUPT_MODEL_URI = 'pvc://models/corrupt.onnx';

/** The namespace's `models` claim with the fixture model and a corrupt one, as a user would copy them there. */
export async function provideModels(cluster: Cluster, namespace: string): Promise<void> {
  await createModelClaim(cluster, namespace, 'models', {
    'linear_regression.onnx': FIXTURES.linearRegression,
    'corrupt.onnx': Buffer.from('this is not an onnx model\n'.repeat(20)),
  });
}

/** What the tests need from a running operator. */
export type RunningOperator = Pick<OperatorProcess, 'kill' | 'stop' | 'logTail'>;

/** The operator, with the real runtime image as the default for ModelDeployments. */
export function startOperator(cluster: Cluster, name: string): Promise<OperatorProcess> {
  return OperatorProcess.start(cluster, { name, args: [`--runtime-image=${RUNTIME_IMAGE}`, '--log-level=debug'] });
}

/**
 * Installs the CRDs and waits until ModelDeployments are served. Polls the CRD's Established condition
 * itself: `kubectl wait` right after the apply fails when the CRD has no conditions yet.
 */
export async function installCrds(cluster: Cluster): Promise<void> {
  await kubectl(cluster, 'apply', '--server-side', '-f', join(REPO_ROOT, 'crds'));
  await pollUntil(
    async () => (await kubectl(cluster, 'get', 'crd', CRD_NAME, '-o', 'jsonpath={.status.conditions[?(@.type=="Established")].status}')) === 'True',
    { description: 'the ModelDeployment CRD to be Established', timeoutMs: 60_000, intervalMs: 200 },
  );
  await pollUntil(() => kubectl(cluster, 'get', 'modeldeployments', '-A').then(() => true), { description: 'ModelDeployments to be served', timeoutMs: 30_000 });
}

/** A spec serving the linear-regression fixture as `version`. Small and fast to start. */
export function modelSpec(version: string, over: Partial<ModelDeploymentSpec> = {}): ModelDeploymentSpec {
  return {
    model: { name: 'diabetes', version, uri: MODEL_URI },
    replicas: 2,
    runtime: { readinessProbe: { periodSeconds: 1, failureThreshold: 2 } },
    ...over,
  };
}

export async function apply(cluster: Cluster, namespace: string, name: string, spec: ModelDeploymentSpec): Promise<void> {
  await applyModelDeployment(cluster, name, namespace, spec);
}

export async function annotate(cluster: Cluster, namespace: string, name: string, ...pairs: string[]): Promise<void> {
  await kubectl(cluster, 'annotate', '--overwrite', '-n', namespace, `modeldeployment/${name}`, ...pairs);
}

/** Polls the ModelDeployment until `accept` returns something, quoting its status and the operator log on timeout. */
export async function waitForMd<T>(
  client: KubeClient,
  namespace: string,
  name: string,
  description: string,
  accept: (md: ModelDeployment) => T | undefined | false,
  op?: RunningOperator,
  timeoutMs = 120_000,
): Promise<T> {
  let last: ModelDeployment | undefined;
  return pollUntil(
    async () => {
      last = await getMd(client, namespace, name);
      return accept(last);
    },
    {
      description,
      timeoutMs,
      intervalMs: 200,
      diagnose: () => `status: ${JSON.stringify(last?.status, null, 1)}\noperator log:\n${op?.logTail(40) ?? ''}`,
    },
  );
}

export function conditionOf(md: ModelDeployment, type: string): { status: string; reason: string; message: string } | undefined {
  return md.status?.conditions?.find((c) => c.type === type);
}

export function isReady(md: ModelDeployment): boolean {
  return md.status?.observedGeneration === md.metadata.generation && conditionOf(md, 'Ready')?.status === 'True';
}

/** The revision Deployments of a ModelDeployment, by revision hash. */
export async function revisionDeployments(client: KubeClient, namespace: string, name: string): Promise<Map<string, V1Deployment>> {
  const list = await client.get<KubeList<V1Deployment>>(`/apis/apps/v1/namespaces/${namespace}/deployments`, {
    query: { labelSelector: `modelship.io/deployment=${name}` },
  });
  return new Map(list.items.map((d) => [d.metadata?.labels?.['modelship.io/revision'] ?? '', d]));
}

export async function runtimePods(client: KubeClient, namespace: string, name: string): Promise<V1Pod[]> {
  const list = await client.get<KubeList<V1Pod>>(`/api/v1/namespaces/${namespace}/pods`, { query: { labelSelector: `modelship.io/deployment=${name}` } });
  return list.items;
}

// ---------------------------------------------------------------------------------------------------------
// The steady client

export interface TrafficSummary {
  sent: number;
  ok: number;
  /** Requests the client finally saw fail (after its one retry, when retries are on). */
  failed: number;
  /** First attempts answered 5xx (only counted separately when retries are on). */
  retried: number;
  byVersion: Record<string, number>;
  failures: string[];
}

export interface SteadyTrafficOptions {
  /** Parallel request loops. */
  concurrency?: number;
  /** Pause between requests of one loop. */
  gapMs?: number;
  /** How often the ready endpoints are read again, as kube-proxy would follow EndpointSlices. */
  refreshMs?: number;
  /**
   * Retry a 5xx answer once on another endpoint, as a client library or mesh with a retry policy does. Only
   * for the test whose candidate fails on purpose: elsewhere any 5xx is a failure.
   */
  retry5xx?: boolean;
  /** Extra request headers, e.g. the bearer token of a runtime that requires one. */
  headers?: Record<string, string>;
  /** `grpc`: ModelInfer on the Service's grpc port instead of REST on its http port. */
  protocol?: 'http' | 'grpc';
  /** The REST request body, made anew for each request; default: one row for the linear-regression fixture. */
  body?: () => string;
}

const running = new Set<SteadyTraffic>();

function diabetesRow(): string {
  return JSON.stringify({ inputs: [{ name: 'input', shape: [1, 10], datatype: 'FP32', data: [0.03, 0.05, 0.06, 0.02, -0.04, -0.03, -0.04, 0, 0.02, -0.02] }] });
}

/** Stops every client still sending: for an after() hook, so a failed test does not keep the file alive. */
export async function stopAllTraffic(): Promise<void> {
  await Promise.all([...running].map((t) => t.stop()));
  closeGrpcChannels();
}

/**
 * Inference traffic through a Service the way an in-cluster client sees it: each request goes to one of
 * the Service's ready endpoints at random (kube-proxy's iptables mode), read from its EndpointSlices.
 */
export class SteadyTraffic {
  private endpoints: Endpoint[] = [];
  private readonly log: Array<{ at: number; version: string }> = [];
  private readonly summary: TrafficSummary = { sent: 0, ok: 0, failed: 0, retried: 0, byVersion: {}, failures: [] };
  private stopping = false;
  private running: Promise<unknown> | undefined;
  private readonly client: KubeClient;
  private readonly namespace: string;
  private readonly service: string;
  private readonly model: string;
  private readonly opts: Required<SteadyTrafficOptions>;

  constructor(client: KubeClient, namespace: string, service: string, model: string, opts: SteadyTrafficOptions = {}) {
    this.client = client;
    this.namespace = namespace;
    this.service = service;
    this.model = model;
    this.opts = { concurrency: 2, gapMs: 15, refreshMs: 150, retry5xx: false, headers: {}, protocol: 'http', body: diabetesRow, ...opts };
  }

  async start(): Promise<void> {
    running.add(this);
    // Pods are Ready a moment before the EndpointSlice controller lists them.
    await pollUntil(
      async () => {
        await this.refresh();
        return this.endpoints.length > 0;
      },
      { description: `service ${this.service} to have ready endpoints`, timeoutMs: 30_000, intervalMs: 100 },
    );
    const loops: Array<Promise<unknown>> = [this.refreshLoop()];
    for (let i = 0; i < this.opts.concurrency; i++) loops.push(this.requestLoop());
    this.running = Promise.all(loops);
  }

  async stop(): Promise<TrafficSummary> {
    this.stopping = true;
    running.delete(this);
    await this.running;
    return this.snapshot();
  }

  snapshot(): TrafficSummary {
    return { ...this.summary, byVersion: { ...this.summary.byVersion }, failures: [...this.summary.failures] };
  }

  /** Answers per model version since `since` (ms epoch). */
  versionsSince(since: number): Record<string, number> {
    const out: Record<string, number> = {};
    for (const e of this.log) if (e.at >= since) out[e.version] = (out[e.version] ?? 0) + 1;
    return out;
  }

  private async refreshLoop(): Promise<void> {
    while (!this.stopping) {
      await sleep(this.opts.refreshMs);
      try {
        await this.refresh();
      } catch {
        // keep the last known endpoints, as kube-proxy does when the API server is slow
      }
    }
  }

  private async refresh(): Promise<void> {
    this.endpoints = await serviceEndpoints(this.client, this.namespace, this.service, this.opts.protocol === 'grpc' ? 'grpc' : undefined);
  }

  private async requestLoop(): Promise<void> {
    while (!this.stopping) {
      await this.one();
      await sleep(this.opts.gapMs);
    }
  }

  private async one(): Promise<void> {
    this.summary.sent += 1;
    const first = this.pick();
    let result = await this.send(first);
    if (this.opts.retry5xx && result.status >= 500) {
      this.summary.retried += 1;
      result = await this.send(this.pick(first));
    }
    if (result.status === 200 && result.version !== undefined) {
      this.summary.ok += 1;
      this.summary.byVersion[result.version] = (this.summary.byVersion[result.version] ?? 0) + 1;
      this.log.push({ at: Date.now(), version: result.version });
    } else {
      this.summary.failed += 1;
      if (this.summary.failures.length < 20) this.summary.failures.push(`${new Date().toISOString()} ${result.error}`);
    }
  }

  private pick(avoid?: Endpoint): Endpoint | undefined {
    const candidates = this.endpoints.length > 1 && avoid ? this.endpoints.filter((e) => e.hostPort !== avoid.hostPort) : this.endpoints;
    return candidates[Math.floor(Math.random() * candidates.length)];
  }

  private async send(endpoint: Endpoint | undefined): Promise<{ status: number; version?: string; error: string }> {
    if (!endpoint) return { status: 0, error: `service ${this.service} has no ready endpoints` };
    if (this.opts.protocol === 'grpc') return grpcInfer(endpoint.hostPort, this.model, endpoint.podName ?? endpoint.hostPort);
    const body = this.opts.body();
    try {
      const res = await fetch(`http://${endpoint.hostPort}/v2/models/${this.model}/infer`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...this.opts.headers },
        body,
        signal: AbortSignal.timeout(10_000),
      });
      const text = await res.text();
      if (res.status !== 200) return { status: res.status, error: `${endpoint.podName ?? endpoint.hostPort}: HTTP ${res.status} ${text.slice(0, 200)}` };
      const version = (JSON.parse(text) as { model_version?: string }).model_version;
      return { status: 200, ...(version !== undefined ? { version } : {}), error: version === undefined ? 'no model_version in the answer' : '' };
    } catch (err) {
      return { status: 0, error: `${endpoint.podName ?? endpoint.hostPort}: ${err instanceof Error ? `${err.message} ${String((err as { cause?: unknown }).cause ?? '')}` : String(err)}` };
    }
  }
}

/**
 * The ready endpoints of a Service. From its EndpointSlices when they list endpoints; otherwise computed
 * the way the EndpointSlice controller computes them: the pods the Service's selector matches that are
 * Ready and not terminating, at the target port. The proving ground needs the second path: its pods have
 * loopback addresses, which the API server refuses in EndpointSlices ("may not be in the loopback range"),
 * so the controller's slices stay empty there.
 */
export async function serviceEndpoints(client: KubeClient, namespace: string, name: string, portName?: string): Promise<Endpoint[]> {
  const service = await client.get<Service>(`/api/v1/namespaces/${namespace}/services/${name}`);
  const port = pickServicePort(service, portName);
  const slices = await client.get<KubeList<EndpointSlice>>(`/apis/discovery.k8s.io/v1/namespaces/${namespace}/endpointslices`, {
    query: { labelSelector: `kubernetes.io/service-name=${name}` },
  });
  if (slices.items.some((s) => (s.endpoints ?? []).length > 0)) return readyEndpoints(port, slices.items);
  const selector = service.spec?.selector;
  if (!selector || Object.keys(selector).length === 0) return [];
  const labelSelector = Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(',');
  const pods = await client.get<KubeList<V1Pod>>(`/api/v1/namespaces/${namespace}/pods`, { query: { labelSelector } });
  const out: Endpoint[] = [];
  for (const pod of pods.items) {
    const ip = pod.status?.podIP;
    const ready = pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
    if (!ip || !ready || pod.metadata?.deletionTimestamp) continue;
    const target = port.targetPort ?? port.port;
    const number = typeof target === 'number' ? target : pod.spec?.containers.flatMap((c) => c.ports ?? []).find((p) => p.name === target)?.containerPort;
    if (number === undefined) continue;
    out.push({ address: ip, port: number, hostPort: formatHostPort(ip, number), ...(pod.metadata?.name ? { podName: pod.metadata.name } : {}) });
  }
  return out;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The candidate's share of answers, with the number of answers it is based on. */
export function shareOf(version: string, counts: Record<string, number>): { share: number; total: number } {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  return { share: total === 0 ? 0 : (counts[version] ?? 0) / total, total };
}
