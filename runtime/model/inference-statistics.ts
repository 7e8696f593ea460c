/**
 * Triton's per-model inference statistics (the statistics extension: REST `/v2/models/{m}/stats`, gRPC
 * ModelStatistics), kept as running sums. Fed by RuntimeMetrics from the same events as the Prometheus
 * metrics, so both always agree. Durations are nanoseconds, as Triton reports them.
 */

export interface StatisticDuration {
  count: number;
  ns: number;
}

export interface ModelStatisticsDocument {
  name: string;
  version: string;
  /** Milliseconds since the epoch of the last finished batch; 0 before the first. */
  last_inference: number;
  /** Rows inferred (Triton counts every row of a batch as one inference). */
  inference_count: number;
  /** Batches run. */
  execution_count: number;
  inference_stats: Record<'success' | 'fail' | 'queue' | 'compute_input' | 'compute_infer' | 'compute_output' | 'cache_hit' | 'cache_miss', StatisticDuration>;
  batch_stats: { batch_size: number; compute_input: StatisticDuration; compute_infer: StatisticDuration; compute_output: StatisticDuration }[];
}

const NS_PER_SECOND = 1e9;

export class InferenceStatistics {
  readonly #success = zero();
  readonly #fail = zero();
  readonly #queue = zero();
  readonly #computeInfer = zero();
  readonly #batches = new Map<number, StatisticDuration>();
  #inferenceCount = 0;
  #executionCount = 0;
  #lastInference = 0;

  requestFinished(succeeded: boolean, seconds: number): void {
    add(succeeded ? this.#success : this.#fail, seconds);
  }

  queued(seconds: number): void {
    add(this.#queue, seconds);
  }

  batchFinished(rows: number, seconds: number): void {
    this.#inferenceCount += rows;
    this.#executionCount++;
    this.#lastInference = Date.now();
    add(this.#computeInfer, seconds);
    let batch = this.#batches.get(rows);
    if (batch === undefined) {
      batch = zero();
      this.#batches.set(rows, batch);
    }
    add(batch, seconds);
  }

  /** Triton's ModelStatistics for one model; input and output copying happen outside onnxruntime and read zero. */
  document(name: string, version: string): ModelStatisticsDocument {
    return {
      name,
      version,
      last_inference: this.#lastInference,
      inference_count: this.#inferenceCount,
      execution_count: this.#executionCount,
      inference_stats: {
        success: { ...this.#success },
        fail: { ...this.#fail },
        queue: { ...this.#queue },
        compute_input: zero(),
        compute_infer: { ...this.#computeInfer },
        compute_output: zero(),
        cache_hit: zero(),
        cache_miss: zero(),
      },
      batch_stats: [...this.#batches.entries()]
        .sort(([a], [b]) => a - b)
        .map(([size, infer]) => ({ batch_size: size, compute_input: { count: infer.count, ns: 0 }, compute_infer: { ...infer }, compute_output: { count: infer.count, ns: 0 } })),
    };
  }
}

function zero(): StatisticDuration {
  return { count: 0, ns: 0 };
}

function add(duration: StatisticDuration, seconds: number): void {
  duration.count++;
  duration.ns += Math.round(seconds * NS_PER_SECOND);
}
