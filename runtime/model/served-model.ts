import { readFile } from 'node:fs/promises';
import type { Logger } from '../log.ts';
import type { RuntimeMetrics } from '../metrics.ts';
import { ProtocolError } from '../protocol/errors.ts';
import type { Tensor } from '../tensor/datatypes.ts';
import { DynamicBatcher } from '../inference/batcher.ts';
import { WorkerPool } from '../inference/worker-pool.ts';
import type { ExecutionProvider } from '../inference/messages.ts';
import { checksumMismatch, sha256Hex } from './checksum.ts';
import type { ModelSignature } from './signature.ts';
import { validateInputs } from './validate-inputs.ts';

/**
 * One model's life in this process: verify the file, load it into the workers, warm up, serve, drain, stop.
 * Whatever goes wrong while loading is kept as a sentence in `state`, which readiness answers repeat.
 */

export type ModelState =
  | { phase: 'loading' }
  | { phase: 'ready' }
  | { phase: 'failed'; reason: string }
  | { phase: 'stopping' };

export interface ServedModelOptions {
  name: string;
  version: string;
  path: string;
  sha256: string | undefined;
  workerThreads: number;
  intraOpThreads: number;
  inferenceNiceness: number;
  executionProvider: ExecutionProvider;
  maxBatchSize: number;
  maxQueueDelayMs: number;
  maxQueueSize: number;
}

export class ServedModel {
  readonly name: string;
  readonly version: string;
  #state: ModelState = { phase: 'loading' };
  #signature: ModelSignature | undefined;
  #batchable = false;
  #pool: WorkerPool | undefined;
  #batcher: DynamicBatcher | undefined;
  readonly #options: ServedModelOptions;
  readonly #log: Logger;
  readonly #metrics: RuntimeMetrics;

  constructor(options: ServedModelOptions, log: Logger, metrics: RuntimeMetrics) {
    this.name = options.name;
    this.version = options.version;
    this.#options = options;
    this.#log = log;
    this.#metrics = metrics;
  }

  get state(): ModelState {
    return this.#state;
  }

  get signature(): ModelSignature | undefined {
    return this.#signature;
  }

  /** What the model was started with, for descriptions of it (Triton's model configuration). */
  get settings(): Readonly<ServedModelOptions> {
    return this.#options;
  }

  get batchable(): boolean {
    return this.#batchable;
  }

  get queueDepth(): number {
    return this.#batcher?.queueDepth ?? 0;
  }

  /** Never throws: a model that cannot load leaves the process running, not ready, and saying why. */
  async load(): Promise<void> {
    const started = performance.now();
    const options = this.#options;
    this.#log.info({ model: this.name, version: this.version, path: options.path }, 'loading model');
    try {
      const bytes = await this.#readVerified();
      const pool = new WorkerPool({
        size: options.workerThreads,
        init: {
          modelBytes: bytes,
          intraOpThreads: options.intraOpThreads,
          niceness: options.inferenceNiceness,
          executionProvider: options.executionProvider,
        },
        onWorkerIdle: () => this.#batcher?.dispatch(),
        onWorkerLost: (reason) => this.#log.error({ model: this.name, reason }, 'inference worker lost; replacing it'),
      });
      const loaded = await pool.start();
      for (const warning of loaded.warnings) this.#log.warn({ model: this.name }, warning);
      if (this.#state.phase !== 'loading') {
        await pool.close();
        return;
      }
      this.#pool = pool;
      this.#signature = loaded.signature;
      this.#metrics.outputsDeclared(loaded.signature.outputs.map((output) => output.name));
      this.#batchable = loaded.batchable && options.maxBatchSize > 1;
      this.#batcher = new DynamicBatcher({
        workers: pool,
        batchable: this.#batchable,
        maxBatchSize: options.maxBatchSize,
        maxQueueDelayMs: options.maxQueueDelayMs,
        maxQueueSize: options.maxQueueSize,
        observer: this.#metrics,
      });
      const seconds = (performance.now() - started) / 1000;
      this.#state = { phase: 'ready' };
      this.#metrics.modelLoaded(seconds);
      this.#metrics.modelReady(true);
      this.#log.info(
        {
          model: this.name,
          version: this.version,
          seconds,
          executionProvider: loaded.executionProvider,
          workerThreads: options.workerThreads,
          intraOpThreads: options.intraOpThreads,
          batching: this.#batchable ? { maxBatchSize: options.maxBatchSize, maxQueueDelayMs: options.maxQueueDelayMs } : false,
        },
        'model ready',
      );
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (this.#state.phase === 'loading') this.#state = { phase: 'failed', reason };
      this.#log.error({ model: this.name, version: this.version, reason }, 'model failed to load');
    }
  }

  async #readVerified(): Promise<Uint8Array> {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(this.#options.path);
    } catch (error) {
      throw new Error(`cannot read model file: ${(error as Error).message}`);
    }
    const expected = this.#options.sha256;
    if (expected !== undefined) {
      const actual = sha256Hex(bytes);
      if (actual !== expected) throw new Error(checksumMismatch(expected, actual));
    }
    return bytes;
  }

  /** Why the model cannot take requests now, or undefined when it can. */
  notReadyReason(): string | undefined {
    switch (this.#state.phase) {
      case 'ready':
        return undefined;
      case 'loading':
        return 'model is loading';
      case 'failed':
        return `model failed to load: ${this.#state.reason}`;
      case 'stopping':
        return 'runtime is shutting down';
    }
  }

  /**
   * Runs one request's inputs. While stopping, requests that still reach the process are served: they were
   * sent before the endpoint was taken out of rotation, and draining means not losing them.
   */
  infer(inputs: Record<string, Tensor>): Promise<Record<string, Tensor>> {
    const batcher = this.#batcher;
    if (batcher === undefined || this.#signature === undefined) {
      return Promise.reject(new ProtocolError(503, this.notReadyReason() ?? 'model is not ready'));
    }
    validateInputs(this.#signature, inputs, this.#batchable);
    return batcher.submit(inputs);
  }

  /** Stops reporting ready; in-flight and queued work continues. */
  beginStopping(): void {
    this.#state = { phase: 'stopping' };
    this.#metrics.modelReady(false);
  }

  /** Resolves true when all queued and running inference finished before the deadline. */
  async drain(timeoutMs: number): Promise<boolean> {
    const batcher = this.#batcher;
    if (batcher === undefined) return true;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const drained = await Promise.race([batcher.whenIdle().then(() => true as const), deadline]);
    clearTimeout(timer);
    if (!drained) batcher.rejectQueued(new ProtocolError(503, 'runtime is shutting down'));
    return drained;
  }

  async close(): Promise<void> {
    await this.#pool?.close();
  }
}
