// Requests to the model the way a client inside the cluster sends them: to one of the Service's ready
// endpoints, picked at random (kube-proxy's iptables mode), read from the Service's EndpointSlices. There
// is no kube-proxy on the proving ground, so the demo does kube-proxy's part itself — with the same code
// `kubectl modelship predict` uses.
import { resolveService } from '../../src/kube/endpoints.ts';
import type { Endpoint } from '../../src/kube/endpoints.ts';
import type { KubeClient } from '../../src/kube/client.ts';

/** A plain timer: the client's loops end through stop(), not through the demo's Ctrl-C signal. */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Rows of scikit-learn's diabetes data set (load_diabetes, float32), with the disease progression measured a year later. */
export const DIABETES_ROWS: Array<{ features: number[]; target: number }> = [
  { features: [0.03808, 0.05068, 0.0617, 0.02187, -0.04422, -0.03482, -0.0434, -0.00259, 0.01991, -0.01765], target: 151 },
  { features: [-0.00188, -0.04464, -0.05147, -0.02633, -0.00845, -0.01916, 0.07441, -0.03949, -0.06833, -0.0922], target: 75 },
];

export async function readyEndpoints(client: KubeClient, namespace: string, service: string): Promise<{ endpoints: Endpoint[]; source: string }> {
  const resolved = await resolveService(client, namespace, service);
  return { endpoints: resolved.endpoints, source: resolved.source };
}

export interface Answer {
  endpoint: Endpoint;
  status: number;
  body: unknown;
  text: string;
}

export async function post(endpoint: Endpoint, path: string, body: unknown, timeoutMs = 10_000): Promise<Answer> {
  const response = await fetch(`http://${endpoint.hostPort}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { endpoint, status: response.status, body: parsed, text };
}

/** The V1 (TensorFlow Serving / KServe v1) request body: one list of features per instance. */
export function v1Body(rows: number[][]): unknown {
  return { instances: rows };
}

/** The Open Inference Protocol v2 request body: one FP32 tensor named `input`, [rows, 10]. */
export function v2Body(rows: number[][]): unknown {
  return { inputs: [{ name: 'input', shape: [rows.length, rows[0]?.length ?? 0], datatype: 'FP32', data: rows.flat() }] };
}

export interface V2Response {
  model_name?: string;
  model_version?: string;
  outputs?: Array<{ name: string; shape: number[]; datatype: string; data: number[] }>;
}

// ---------------------------------------------------------------------------------------------------------

export interface TrafficTotals {
  sent: number;
  ok: number;
  failed: number;
  byVersion: Record<string, number>;
  /** The first failures, verbatim. */
  failures: string[];
}

/**
 * A steady client: `concurrency` loops each sending one OIP v2 request after another (with `gapMs` between),
 * re-reading the ready endpoints every `refreshMs` as kube-proxy follows EndpointSlices. Every answer that
 * is not a 200 with a model version, and every connection error, counts as a failure.
 */
export class SteadyClient {
  private endpoints: Endpoint[] = [];
  private stopping = false;
  private loops: Promise<unknown> | undefined;
  private readonly totals: TrafficTotals = { sent: 0, ok: 0, failed: 0, byVersion: {}, failures: [] };
  /** (time, version) of every successful answer, for the per-step shares. */
  readonly answers: Array<{ at: number; version: string }> = [];
  private readonly client: KubeClient;
  private readonly namespace: string;
  private readonly service: string;
  private readonly model: string;
  private readonly options: { concurrency: number; gapMs: number; refreshMs: number };

  constructor(client: KubeClient, namespace: string, service: string, model: string, options: Partial<SteadyClient['options']> = {}) {
    this.client = client;
    this.namespace = namespace;
    this.service = service;
    this.model = model;
    this.options = { concurrency: 2, gapMs: 20, refreshMs: 250, ...options };
  }

  async start(): Promise<void> {
    const deadline = Date.now() + 30_000;
    while (this.endpoints.length === 0) {
      this.endpoints = (await readyEndpoints(this.client, this.namespace, this.service)).endpoints;
      if (this.endpoints.length > 0) break;
      if (Date.now() > deadline) throw new Error(`service ${this.namespace}/${this.service} has no ready endpoints`);
      await sleep(200);
    }
    const loops: Array<Promise<unknown>> = [this.refreshLoop()];
    for (let i = 0; i < this.options.concurrency; i++) loops.push(this.requestLoop());
    this.loops = Promise.all(loops);
  }

  async stop(): Promise<TrafficTotals> {
    this.stopping = true;
    await this.loops;
    return this.snapshot();
  }

  snapshot(): TrafficTotals {
    return { ...this.totals, byVersion: { ...this.totals.byVersion }, failures: [...this.totals.failures] };
  }

  /** Answers per version between two times (ms since the epoch). */
  versionsBetween(from: number, to: number): Record<string, number> {
    const out: Record<string, number> = {};
    for (const answer of this.answers) if (answer.at >= from && answer.at < to) out[answer.version] = (out[answer.version] ?? 0) + 1;
    return out;
  }

  private async refreshLoop(): Promise<void> {
    while (!this.stopping) {
      await sleep(this.options.refreshMs);
      try {
        this.endpoints = (await readyEndpoints(this.client, this.namespace, this.service)).endpoints;
      } catch {
        // Keep the last known endpoints while the API server is slow, as kube-proxy does.
      }
    }
  }

  private async requestLoop(): Promise<void> {
    let row = 0;
    while (!this.stopping) {
      row = (row + 1) % DIABETES_ROWS.length;
      await this.once(DIABETES_ROWS[row]!.features);
      await sleep(this.options.gapMs);
    }
  }

  private async once(features: number[]): Promise<void> {
    this.totals.sent += 1;
    const endpoint = this.endpoints[Math.floor(Math.random() * this.endpoints.length)];
    let failure: string | undefined;
    if (!endpoint) {
      failure = `service ${this.service} has no ready endpoints`;
    } else {
      try {
        const answer = await post(endpoint, `/v2/models/${this.model}/infer`, v2Body([features]));
        const version = (answer.body as V2Response | undefined)?.model_version;
        if (answer.status === 200 && version !== undefined) {
          this.totals.ok += 1;
          this.totals.byVersion[version] = (this.totals.byVersion[version] ?? 0) + 1;
          this.answers.push({ at: Date.now(), version });
          return;
        }
        failure = `${endpoint.podName ?? endpoint.hostPort}: HTTP ${answer.status} ${answer.text.slice(0, 200)}`;
      } catch (error) {
        const cause = (error as { cause?: unknown }).cause;
        failure = `${endpoint.podName ?? endpoint.hostPort}: ${error instanceof Error ? error.message : String(error)}${cause ? ` (${String(cause)})` : ''}`;
      }
    }
    this.totals.failed += 1;
    if (this.totals.failures.length < 10) this.totals.failures.push(`${new Date().toISOString()} ${failure}`);
  }
}
