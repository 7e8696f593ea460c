import { Worker } from 'node:worker_threads';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Tensor } from '../tensor/datatypes.ts';
import type { ModelSignature } from '../model/signature.ts';
import type { ExecutionProvider, RunRequest, SessionWorkerInit, WorkerMessage } from './messages.ts';

/**
 * A fixed set of session workers, each running one batch at a time.
 *
 * Why not piscina: the dynamic batcher must know when a worker is free, because Triton's rule is "dispatch at
 * once if a worker is idle, otherwise let requests pile up and coalesce". Piscina keeps its own task queue and
 * hides that moment; with it, requests would queue inside piscina one by one instead of merging into batches.
 * A pool this small also saves piscina's per-task bookkeeping on the hot path.
 */

export interface LoadedModel {
  signature: ModelSignature;
  batchable: boolean;
  executionProvider: ExecutionProvider;
  warnings: string[];
}

export interface RunResult {
  outputs: Record<string, Tensor>;
  inferenceSeconds: number;
}

export interface WorkerPoolOptions {
  size: number;
  init: SessionWorkerInit;
  /** Called whenever a worker becomes free, so the batcher can dispatch what is waiting. */
  onWorkerIdle: () => void;
  /** Called when a worker dies unexpectedly and is replaced. */
  onWorkerLost: (reason: string) => void;
}

interface PendingRun {
  resolve: (result: RunResult) => void;
  reject: (error: Error) => void;
}

interface PoolWorker {
  thread: Worker;
  pending: PendingRun | undefined;
  pendingId: number;
}

// The worker's file has the same extension as this one: .ts when run from source, .js once built.
const WORKER_URL = new URL(`./session-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url);

export class InferenceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InferenceError';
  }
}

export class WorkerPool {
  readonly #options: WorkerPoolOptions;
  readonly #idle: PoolWorker[] = [];
  readonly #all = new Set<PoolWorker>();
  #nextId = 1;
  #closing = false;

  constructor(options: WorkerPoolOptions) {
    this.#options = options;
  }

  /** Starts every worker; resolves when all have loaded and warmed up the model, rejects with the reason one could not. */
  async start(): Promise<LoadedModel> {
    const loads = Array.from({ length: this.#options.size }, () => this.#spawn());
    const settled = await Promise.allSettled(loads);
    const failure = settled.find((result) => result.status === 'rejected');
    if (failure !== undefined) {
      await this.close();
      throw failure.reason;
    }
    const first = settled[0] as PromiseFulfilledResult<LoadedModel>;
    return first.value;
  }

  get idleWorkers(): number {
    return this.#idle.length;
  }

  /**
   * Runs `parts` (a batch's requests, joined by the worker) on a free worker; the caller (the batcher) only
   * calls this when `idleWorkers > 0`.
   */
  run(parts: Record<string, Tensor>[], transfer: ArrayBuffer[]): Promise<RunResult> {
    const worker = this.#idle.pop();
    if (worker === undefined) return Promise.reject(new InferenceError('no idle inference worker'));
    const id = this.#nextId++;
    const request: RunRequest = { id, parts };
    return new Promise<RunResult>((resolve, reject) => {
      worker.pending = { resolve, reject };
      worker.pendingId = id;
      worker.thread.postMessage(request, transfer);
    });
  }

  async close(): Promise<void> {
    this.#closing = true;
    const threads = [...this.#all].map((worker) => worker.thread.terminate());
    this.#all.clear();
    this.#idle.length = 0;
    await Promise.allSettled(threads);
  }

  #spawn(): Promise<LoadedModel> {
    const thread = new Worker(WORKER_URL, { workerData: this.#options.init });
    const worker: PoolWorker = { thread, pending: undefined, pendingId: 0 };
    this.#all.add(worker);
    return new Promise<LoadedModel>((resolve, reject) => {
      let loaded = false;
      thread.on('message', (message: WorkerMessage) => {
        switch (message.kind) {
          case 'loaded':
            loaded = true;
            this.#idle.push(worker);
            resolve({
              signature: message.signature,
              batchable: message.batchable,
              executionProvider: message.executionProvider,
              warnings: message.warnings,
            });
            this.#options.onWorkerIdle();
            break;
          case 'load-failed':
            reject(new Error(message.reason));
            break;
          case 'result':
            this.#finish(worker, message.id)?.resolve({ outputs: message.outputs, inferenceSeconds: message.inferenceSeconds });
            break;
          case 'run-failed':
            this.#finish(worker, message.id)?.reject(new InferenceError(`inference failed: ${message.message}`));
            break;
        }
      });
      thread.on('error', (error: Error) => {
        if (!loaded) reject(new Error(`inference worker failed while loading: ${error.message}`));
        this.#lose(worker, error.message);
      });
      thread.on('exit', (code) => {
        if (!loaded) reject(new Error(`inference worker exited while loading (code ${code})`));
        this.#lose(worker, `exited with code ${code}`);
      });
    });
  }

  #finish(worker: PoolWorker, id: number): PendingRun | undefined {
    const pending = worker.pending;
    if (pending === undefined || worker.pendingId !== id) return undefined;
    worker.pending = undefined;
    this.#idle.push(worker);
    // Let the caller see its result before the batcher reuses the worker.
    queueMicrotask(this.#options.onWorkerIdle);
    return pending;
  }

  /** A worker that crashed is replaced, so one bad batch cannot shrink the pool for good. */
  #lose(worker: PoolWorker, reason: string): void {
    if (!this.#all.delete(worker)) return;
    const idleIndex = this.#idle.indexOf(worker);
    if (idleIndex >= 0) this.#idle.splice(idleIndex, 1);
    worker.pending?.reject(new InferenceError(`inference worker stopped: ${reason}`));
    worker.pending = undefined;
    if (this.#closing) return;
    this.#options.onWorkerLost(reason);
    this.#spawn().catch((error: Error) => this.#options.onWorkerLost(`replacement worker failed: ${error.message}`));
  }
}
