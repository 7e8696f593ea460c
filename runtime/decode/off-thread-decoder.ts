import { Worker } from 'node:worker_threads';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProtocolError } from '../protocol/errors.ts';
import type { DecodedRequest, DecodeJob, DecodeOutcome } from './decode-job.ts';

/**
 * Decodes request bodies on a worker thread. JSON.parse of a 64 MiB body and the conversion of millions of
 * values to typed arrays take the better part of a second (measured: 0.5-0.65 s on this project's 2-core
 * machine), long enough for liveness and readiness probes to time out if the HTTP thread did it.
 *
 * One thread, started on the first job and stopped after a while without one: a decode thread is never
 * slower than the single HTTP thread that decoded before; it bounds the memory large parses take at once to
 * one body's worth; and stopping it hands the heap a large parse grew back to the system, where a thread
 * kept for the process's life would hold it. A thread this simple needs none of a pool library's features.
 */

const IDLE_STOP_MS = 10_000;

// The worker's file has the same extension as this one: .ts when run from source, .js once built.
const WORKER_URL = new URL(`./decode-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url);

interface Task {
  id: number;
  job: DecodeJob;
  resolve: (decoded: DecodedRequest) => void;
  reject: (error: Error) => void;
}

export class OffThreadDecoder {
  readonly #queue: Task[] = [];
  readonly #idleStopMs: number;
  #worker: Worker | undefined;
  #busy: Task | undefined;
  #idleTimer: NodeJS.Timeout | undefined;
  #nextId = 1;

  constructor(idleStopMs = IDLE_STOP_MS) {
    this.#idleStopMs = idleStopMs;
  }

  /** Resolves with what the protocol's decoder returns; rejects with its ProtocolError (status and message kept). */
  decode(job: DecodeJob): Promise<DecodedRequest> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ id: this.#nextId++, job, resolve, reject });
      this.#dispatch();
    });
  }

  /** Whether a decode thread is running now (it stops after IDLE_STOP_MS without work). */
  get running(): boolean {
    return this.#worker !== undefined;
  }

  async close(): Promise<void> {
    clearTimeout(this.#idleTimer);
    const worker = this.#worker;
    this.#worker = undefined;
    await worker?.terminate();
  }

  #dispatch(): void {
    if (this.#busy !== undefined) return;
    const task = this.#queue.shift();
    if (task === undefined) return this.#idle();
    clearTimeout(this.#idleTimer);
    const worker = (this.#worker ??= this.#spawn());
    // A busy decode thread keeps the process alive like any request in progress; an idle one does not.
    worker.ref();
    this.#busy = task;
    const body = ownedBytes(task.job.body);
    worker.postMessage({ id: task.id, job: { ...task.job, body } }, [body.buffer]);
  }

  #idle(): void {
    const worker = this.#worker;
    if (worker === undefined) return;
    worker.unref();
    this.#idleTimer = setTimeout(() => {
      if (this.#worker !== worker || this.#busy !== undefined) return;
      this.#worker = undefined;
      void worker.terminate();
    }, this.#idleStopMs);
    this.#idleTimer.unref();
  }

  #spawn(): Worker {
    const worker = new Worker(WORKER_URL);
    worker.on('message', (outcome: DecodeOutcome) => {
      const task = this.#busy;
      if (task === undefined || task.id !== outcome.id) return;
      this.#busy = undefined;
      if (outcome.kind === 'decoded') task.resolve(outcome.decoded);
      else if (outcome.kind === 'refused') task.reject(new ProtocolError(outcome.status, outcome.message));
      else task.reject(new Error(`request decoding failed: ${outcome.message}`));
      this.#dispatch();
    });
    worker.on('error', (error: Error) => this.#lose(worker, error.message));
    worker.on('exit', (code) => this.#lose(worker, `exited with code ${code}`));
    return worker;
  }

  /** A decode thread that died (out of memory, say) fails its one request; the next job starts a new thread. */
  #lose(worker: Worker, reason: string): void {
    if (this.#worker !== worker) return;
    this.#worker = undefined;
    const task = this.#busy;
    this.#busy = undefined;
    task?.reject(new Error(`request decoding thread stopped: ${reason}`));
    this.#dispatch();
  }
}

/**
 * Bytes whose whole ArrayBuffer may be moved to the worker. A large body read from many chunks is one
 * buffer of its own; anything else (a slice of a shared or pooled buffer) is copied first.
 */
function ownedBytes(body: Uint8Array): Uint8Array<ArrayBuffer> {
  const buffer = body.buffer;
  if (buffer instanceof ArrayBuffer && body.byteOffset === 0 && body.byteLength === buffer.byteLength) return body as Uint8Array<ArrayBuffer>;
  return new Uint8Array(body);
}
