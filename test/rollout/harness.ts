// Shared pieces of the rollout tests on the proving ground: the operator running our real runtime image
// (pods are real runtime processes serving the fixture models), a steady client that sends inference
// requests through the main Service's ClusterIP for the whole rollout and counts every failure,
// and small helpers to read and steer a ModelDeployment.
import { join } from 'node:path';
import { after, before } from 'node:test';
import type { V1Deployment, V1Pod } from '@kubernetes/client-node';
import { REPO_ROOT } from '../../proving-ground/cluster.ts';
import type { Cluster } from '../../proving-ground/cluster.ts';
import { clusterForSuite, createModelClaim, createNamespace, kubectl } from '../../proving-ground/test-cluster.ts';
import type { SuiteCluster } from '../../proving-ground/test-cluster.ts';
import { packageVersion } from '../../src/version.ts';
import { pollUntil } from '../../proving-ground/lib/wait.ts';
import { FIXTURES } from '../../runtime/fixtures/paths.ts';
import type { KubeClient } from '../../src/kube/client.ts';
import type { Service } from '../../src/kube/endpoints.ts';
import { formatHostPort, pickServicePort } from '../../src/kube/endpoints.ts';
import type { KubeList } from '../../src/kube/object.ts';
import { CRD_NAME, LABELS } from '../../src/api/constants.ts';
import type { ModelDeployment, ModelDeploymentSpec } from '../../src/api/types.ts';
import { OperatorProcess, applyModelDeployment, getMd } from '../operator/harness.ts';
import { grpcInfer } from './grpc-infer.ts';

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
/**
 * The frame every rollout suite shares: one single-node cluster for the file (container crash back-off of
 * 1–5 s unless `fastCrashBackoff` is false), with the CRDs installed and the namespace made before the
 * suite's own before(). The after() hook is registered before the cluster's, so the clients still sending
 * and then what `stop` stops (the suite's operator, a flood) end before the cluster does.
 */
export function rolloutCluster(namespace: string, stop: () => Promise<unknown> | undefined, options: { fastCrashBackoff?: boolean } = {}): SuiteCluster {
  after(async () => {
    await stopAllTraffic();
    await stop();
  });
  const suite = clusterForSuite({ nodes: 1, ...(options.fastCrashBackoff === false ? {} : { crashBackoff: { initialMs: 1000, maxMs: 5000 } }) });
  before(async () => {
    await installCrds(suite.cluster);
    await createNamespace(suite.cluster, namespace);
  });
  return suite;
}

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
  /**
   * Retry a 5xx answer, each time on a new connection (where kube-proxy picks a pod again), up to
   * RETRY_ATTEMPTS times, as a client library or mesh with a retry policy does. Only for the tests whose
   * candidate fails on purpose: elsewhere any 5xx is a failure.
   */
  retry5xx?: boolean;
  /** Extra request headers, e.g. the bearer token of a runtime that requires one. */
  headers?: Record<string, string>;
  /** `grpc`: ModelInfer on the Service's grpc port instead of REST on its http port. */
  protocol?: 'http' | 'grpc';
  /** The REST request body, made anew for each request; default: one row for the linear-regression fixture. */
  body?: () => string;
}

/**
 * Attempts of a retried request. Through a ClusterIP the client cannot choose the pod of the next attempt:
 * with half the pods failing half their requests, an attempt fails with probability 1/4, and 10 attempts
 * leave about one request in a million failed.
 */
const RETRY_ATTEMPTS = 10;

const running = new Set<SteadyTraffic>();


/** Stops every client still sending: for an after() hook, so a failed test does not keep the file alive. */
export async function stopAllTraffic(): Promise<void> {
  await Promise.all([...running].map((t) => t.stop()));
}

/** host:port of a Service's ClusterIP for one of its ports (by name; default its only or `http` port). */
export async function clusterAddress(client: KubeClient, namespace: string, name: string, portName?: string): Promise<string> {
  const service = await client.get<Service>(`/api/v1/namespaces/${namespace}/services/${name}`);
  const clusterIP = service.spec?.clusterIP;
  if (!clusterIP || clusterIP === 'None') throw new Error(`service ${namespace}/${name} has no ClusterIP`);
  return formatHostPort(clusterIP, pickServicePort(service, portName).port);
}

/**
 * When a Service's selector was first seen naming `revision` (polled every 50 ms, so at most that much
 * plus one GET after the write). A switch is judged from here: what comes after it, kube-proxy's rules
 * catching up, is the cluster's latency, not the operator's.
 */
export async function selectorSwitchedAt(client: KubeClient, namespace: string, name: string, revision: string, timeoutMs = 60_000): Promise<number> {
  return pollUntil(
    async () => {
      const service = await client.get<Service>(`/api/v1/namespaces/${namespace}/services/${name}`);
      return service.spec?.selector?.[LABELS.revision] === revision && Date.now();
    },
    { description: `service ${namespace}/${name} to select revision ${revision}`, timeoutMs, intervalMs: 50 },
  );
}

/** The OIP v2 infer body of one row of the fixture model. */
export const INFER_BODY = JSON.stringify({ inputs: [{ name: 'input', shape: [1, 10], datatype: 'FP32', data: [0.03, 0.05, 0.06, 0.02, -0.04, -0.03, -0.04, 0, 0.02, -0.02] }] });

/**
 * Inference traffic through a Service's ClusterIP, from the host as from a node: the host routes the
 * Service range into the cluster's node network namespace, where kube-proxy's rules pick a ready pod. Every
 * request opens its own connection (`connection: close`; a gRPC channel per call), so kube-proxy, which
 * picks a pod per connection, picks one per request.
 */
export class SteadyTraffic {
  private address = '';
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
    this.opts = { concurrency: 2, gapMs: 15, retry5xx: false, headers: {}, protocol: 'http', body: () => INFER_BODY, ...opts };
  }

  async start(): Promise<void> {
    running.add(this);
    this.address = await clusterAddress(this.client, this.namespace, this.service, this.opts.protocol === 'grpc' ? 'grpc' : undefined);
    // Pods are Ready a moment before kube-proxy's rules lead to them.
    let last = '';
    await pollUntil(
      async () => {
        const answer = await this.send();
        last = answer.error;
        return answer.status === 200;
      },
      { description: `service ${this.service} to answer at its ClusterIP ${this.address}`, timeoutMs: 30_000, intervalMs: 100, diagnose: () => last },
    );
    const loops: Array<Promise<unknown>> = [];
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

  private async requestLoop(): Promise<void> {
    while (!this.stopping) {
      await this.one();
      await sleep(this.opts.gapMs);
    }
  }

  private async one(): Promise<void> {
    this.summary.sent += 1;
    let result = await this.send();
    if (this.opts.retry5xx && result.status >= 500) {
      this.summary.retried += 1;
      for (let attempt = 2; attempt <= RETRY_ATTEMPTS && result.status >= 500; attempt++) result = await this.send();
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

  private async send(): Promise<{ status: number; version?: string; error: string }> {
    const label = `${this.service} at ${this.address}`;
    if (this.opts.protocol === 'grpc') return grpcInfer(this.address, this.model, label);
    const body = this.opts.body();
    try {
      const res = await fetch(`http://${this.address}/v2/models/${this.model}/infer`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', connection: 'close', ...this.opts.headers },
        body,
        signal: AbortSignal.timeout(10_000),
      });
      const text = await res.text();
      if (res.status !== 200) return { status: res.status, error: `${label}: HTTP ${res.status} ${text.slice(0, 200)}` };
      const version = (JSON.parse(text) as { model_version?: string }).model_version;
      return { status: 200, ...(version !== undefined ? { version } : {}), error: version === undefined ? 'no model_version in the answer' : '' };
    } catch (err) {
      return { status: 0, error: `${label}: ${err instanceof Error ? `${err.message} ${String((err as { cause?: unknown }).cause ?? '')}` : String(err)}` };
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The candidate's share of answers, with the number of answers it is based on. */
export function shareOf(version: string, counts: Record<string, number>): { share: number; total: number } {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  return { share: total === 0 ? 0 : (counts[version] ?? 0) / total, total };
}
