// The demo's requests to the model. Predictions go the way a user outside the cluster sends them
// (`kubectl modelship predict`, through the API server); the steady traffic during the rollouts comes from a
// client pod inside the cluster, through the model Service's ClusterIP, as a user's application would send it.
import { ClientPod } from '../../proving-ground/client-pod/client-pod.ts';
import type { ClientTotals } from '../../proving-ground/client-pod/client-pod.ts';
import type { KubeClient } from '../../src/kube/client.ts';

/** Rows of scikit-learn's diabetes data set (load_diabetes, float32), with the disease progression measured a year later. */
export const DIABETES_ROWS: Array<{ features: number[]; target: number }> = [
  { features: [0.03808, 0.05068, 0.0617, 0.02187, -0.04422, -0.03482, -0.0434, -0.00259, 0.01991, -0.01765], target: 151 },
  { features: [-0.00188, -0.04464, -0.05147, -0.02633, -0.00845, -0.01916, 0.07441, -0.03949, -0.06833, -0.0922], target: 75 },
];

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

export type TrafficTotals = ClientTotals;

/**
 * The steady client: a pod in the model's namespace whose `concurrency` loops each send one OIP v2 request
 * after another to the Service's ClusterIP, a new connection each (kube-proxy picks a pod per connection).
 * Every answer that is not a 200 with a model version, and every connection error, counts as a failure.
 */
export class SteadyClient {
  private pod: ClientPod | undefined;
  private readonly client: KubeClient;
  private readonly namespace: string;
  private readonly service: string;
  private readonly model: string;

  constructor(client: KubeClient, namespace: string, service: string, model: string) {
    this.client = client;
    this.namespace = namespace;
    this.service = service;
    this.model = model;
  }

  /** Starts the client pod; resolves once it sends. Returns the URL it sends to. */
  async start(): Promise<string> {
    this.pod = await ClientPod.start(this.client, {
      name: `${this.service}-client`,
      namespace: this.namespace,
      service: this.service,
      path: `/v2/models/${this.model}/infer`,
      body: v2Body([DIABETES_ROWS[0]!.features]),
      concurrency: 2,
      gapMs: 20,
    });
    return this.pod.url;
  }

  async stop(): Promise<TrafficTotals> {
    if (!this.pod) throw new Error('the client pod never started');
    return this.pod.stop();
  }

  snapshot(): Promise<TrafficTotals> {
    if (!this.pod) throw new Error('the client pod never started');
    return this.pod.totals();
  }

  /** Answers per version between two times (ms since the epoch). */
  versionsBetween(from: number, to: number): Promise<Record<string, number>> {
    if (!this.pod) throw new Error('the client pod never started');
    return this.pod.versionsBetween(from, to);
  }
}
