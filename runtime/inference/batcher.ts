import { ProtocolError } from '../protocol/errors.ts';
import type { Tensor } from '../tensor/datatypes.ts';
import { batchCompatibilityKey, concatenateRows, rowsOf, splitRows } from './batch-rows.ts';
import type { RunResult } from './worker-pool.ts';

/**
 * Dynamic batching with Triton's semantics: a request goes to a worker at once when one is free; requests that
 * arrive while every worker is busy wait in a bounded queue and, when a worker frees up, leave together as one
 * batch of up to `maxBatchSize` rows. `maxQueueDelayMs` > 0 additionally holds a batch back until it is full or
 * its oldest request has waited that long, trading latency for larger batches.
 */

export interface InferenceWorkers {
  readonly idleWorkers: number;
  /** Runs a batch given as its requests' inputs, which the worker joins along the leading dimension. */
  run(parts: Record<string, Tensor>[], transfer: ArrayBuffer[]): Promise<RunResult>;
}

export interface BatchObserver {
  queued(seconds: number): void;
  batchFinished(rows: number, inferenceSeconds: number): void;
  /** The batch's outputs, before they are split among its requests. */
  predicted?(outputs: Record<string, Tensor>): void;
}

export interface BatcherOptions {
  workers: InferenceWorkers;
  /** False for models whose leading dimension is fixed: every request then runs alone. */
  batchable: boolean;
  maxBatchSize: number;
  maxQueueDelayMs: number;
  maxQueueSize: number;
  observer: BatchObserver;
}

interface QueuedRequest {
  inputs: Record<string, Tensor>;
  rows: number;
  key: string;
  enqueuedAt: number;
  resolve: (outputs: Record<string, Tensor>) => void;
  reject: (error: Error) => void;
}

// Structured cloning beats transferring for small buffers (see session-worker.ts).
const TRANSFER_THRESHOLD_BYTES = 16 * 1024;

export class QueueFullError extends ProtocolError {
  constructor(limit: number) {
    super(429, `inference queue is full (${limit} requests waiting); retry later`);
  }
}

export class DynamicBatcher {
  readonly #options: BatcherOptions;
  readonly #maxRows: number;
  #queue: QueuedRequest[] = [];
  #head = 0;
  #running = 0;
  #delayTimer: NodeJS.Timeout | undefined;
  #idleWaiters: (() => void)[] = [];
  #dispatchScheduled = false;

  constructor(options: BatcherOptions) {
    this.#options = options;
    this.#maxRows = options.batchable ? Math.max(1, options.maxBatchSize) : 1;
  }

  /** Requests waiting for a worker. */
  get queueDepth(): number {
    return this.#queue.length - this.#head;
  }

  submit(inputs: Record<string, Tensor>): Promise<Record<string, Tensor>> {
    if (this.queueDepth >= this.#options.maxQueueSize) {
      return Promise.reject(new QueueFullError(this.#options.maxQueueSize));
    }
    return new Promise((resolve, reject) => {
      this.#queue.push({
        inputs,
        rows: rowsOf(inputs),
        key: this.#maxRows > 1 ? batchCompatibilityKey(inputs) : '',
        enqueuedAt: performance.now(),
        resolve,
        reject,
      });
      this.#dispatchSoon();
    });
  }

  /**
   * Dispatch once the current round of socket reads is done rather than per request: requests that arrived
   * together then share one batch and one message to the worker. This adds no waiting time (setImmediate runs
   * right after the poll phase), so it keeps Triton's "no added delay" default, and it roughly halves the
   * main thread's messaging cost for small models under load.
   */
  #dispatchSoon(): void {
    if (this.#dispatchScheduled) return;
    this.#dispatchScheduled = true;
    setImmediate(this.#scheduledDispatch);
  }

  readonly #scheduledDispatch = (): void => {
    this.#dispatchScheduled = false;
    this.dispatch();
  };

  /** Sends waiting requests to free workers; called on submit and whenever a worker frees up. */
  dispatch(): void {
    while (this.queueDepth > 0 && this.#options.workers.idleWorkers > 0) {
      if (this.#shouldWaitForMore()) return;
      this.#runBatch(this.#takeBatch());
    }
    if (this.queueDepth === 0 && this.#delayTimer !== undefined) {
      clearTimeout(this.#delayTimer);
      this.#delayTimer = undefined;
    }
    this.#notifyIfIdle();
  }

  /** Resolves once nothing is queued or running: graceful shutdown waits on this. */
  whenIdle(): Promise<void> {
    if (this.queueDepth === 0 && this.#running === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Fails everything still queued, e.g. when the drain deadline passes. */
  rejectQueued(error: Error): void {
    for (let i = this.#head; i < this.#queue.length; i++) this.#queue[i]!.reject(error);
    this.#queue = [];
    this.#head = 0;
    this.#notifyIfIdle();
  }

  #shouldWaitForMore(): boolean {
    const delayMs = this.#options.maxQueueDelayMs;
    if (delayMs <= 0 || this.#maxRows <= 1) return false;
    const oldest = this.#queue[this.#head]!;
    const waitedMs = performance.now() - oldest.enqueuedAt;
    if (waitedMs >= delayMs || this.#compatibleRowsWaiting(oldest) >= this.#maxRows) return false;
    if (this.#delayTimer === undefined) {
      this.#delayTimer = setTimeout(() => {
        this.#delayTimer = undefined;
        this.dispatch();
      }, delayMs - waitedMs);
    }
    return true;
  }

  #compatibleRowsWaiting(oldest: QueuedRequest): number {
    let rows = 0;
    for (let i = this.#head; i < this.#queue.length && rows < this.#maxRows; i++) {
      const request = this.#queue[i]!;
      if (request.key !== oldest.key) break;
      rows += request.rows;
    }
    return rows;
  }

  /** The oldest request, plus the ones right behind it that fit: order is kept, nobody is overtaken. */
  #takeBatch(): QueuedRequest[] {
    const first = this.#queue[this.#head++]!;
    const batch = [first];
    let rows = first.rows;
    while (this.#head < this.#queue.length) {
      const next = this.#queue[this.#head]!;
      if (next.key !== first.key || rows + next.rows > this.#maxRows) break;
      batch.push(next);
      rows += next.rows;
      this.#head++;
    }
    // Compact now and then instead of shifting on every take.
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    } else if (this.#head === this.#queue.length) {
      this.#queue.length = 0;
      this.#head = 0;
    }
    return batch;
  }

  #runBatch(batch: QueuedRequest[]): void {
    const now = performance.now();
    for (const request of batch) this.#options.observer.queued((now - request.enqueuedAt) / 1000);
    this.#running++;
    let parts: Record<string, Tensor>[];
    try {
      parts = batchParts(batch.map((request) => request.inputs));
    } catch (error) {
      this.#settle(batch, () => error as Error);
      return;
    }
    const rows = batch.reduce((sum, request) => sum + request.rows, 0);
    this.#options.workers.run(parts, transferList(parts)).then(
      (result) => {
        this.#options.observer.batchFinished(rows, result.inferenceSeconds);
        this.#options.observer.predicted?.(result.outputs);
        let parts: Record<string, Tensor>[];
        try {
          parts = splitRows(result.outputs, batch.map((request) => request.rows));
        } catch (error) {
          this.#settle(batch, () => error as Error);
          return;
        }
        this.#running--;
        batch.forEach((request, index) => request.resolve(parts[index]!));
        this.#notifyIfIdle();
      },
      (error: Error) => this.#settle(batch, () => error),
    );
  }

  #settle(batch: QueuedRequest[], errorFor: () => Error): void {
    this.#running--;
    for (const request of batch) request.reject(errorFor());
    this.#notifyIfIdle();
  }

  #notifyIfIdle(): void {
    if (this.#idleWaiters.length === 0 || this.queueDepth > 0 || this.#running > 0) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const waiter of waiters) waiter();
  }
}

/**
 * What goes to the worker for a batch. Large inputs go as they are, each request's moved to the worker, which
 * joins them: joining on the HTTP thread meant copying a batch of four CNN images (2.4 MB) there and leaving
 * a new buffer per batch and the four it was made of for that thread's collector, whose full collections
 * (prompted by that memory) paused probes for milliseconds. Small batches are still joined here: one small
 * tensor is cheaper to clone into the message than many (the tiny model's batches are tens of 40-byte rows).
 */
function batchParts(inputs: Record<string, Tensor>[]): Record<string, Tensor>[] {
  if (inputs.length === 1) return inputs;
  let bytes = 0;
  for (const part of inputs) for (const name in part) bytes += numericBytes(part[name]!);
  return bytes < TRANSFER_THRESHOLD_BYTES ? [concatenateRows(inputs)] : inputs;
}

function numericBytes(tensor: Tensor): number {
  return Array.isArray(tensor.data) ? 0 : tensor.data.byteLength;
}

function transferList(parts: Record<string, Tensor>[]): ArrayBuffer[] {
  const transfer = new Set<ArrayBuffer>();
  for (const inputs of parts) {
    for (const name in inputs) {
      const data = inputs[name]!.data;
      if (Array.isArray(data) || data.byteLength < TRANSFER_THRESHOLD_BYTES) continue;
      // Only whole, unshared buffers can be moved; anything else is cloned.
      if (data.buffer instanceof ArrayBuffer && data.byteOffset === 0 && data.byteLength === data.buffer.byteLength) transfer.add(data.buffer);
    }
  }
  return [...transfer];
}
