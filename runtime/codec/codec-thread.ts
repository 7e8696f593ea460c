import { Worker } from 'node:worker_threads';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProtocolError } from '../protocol/errors.ts';
import { movableBuffers } from './codec-jobs.ts';
import type { CodecOutcome, CodecTask, DecodedRequest, DecodeJob, EncodedAnswer, EncodeJob } from './codec-jobs.ts';

/**
 * Decodes large request bodies and encodes large answers on a worker thread. Reading a 64 MiB JSON body into
 * typed arrays takes a few hundred milliseconds even streamed (tensor-json-reader.ts; JSON.parse took
 * 0.5-0.65 s on this project's 2-core machine), and writing 400,000 V1 predictions tens of milliseconds: long
 * enough, a few at a time, for liveness and readiness probes to time out if the HTTP thread did it.
 *
 * One thread, started on the first job and stopped after a while without one: a codec thread is never
 * slower than the single HTTP thread that did this work before; it bounds the memory large parses take at
 * once to one body's worth; and stopping it hands the heap a large parse grew back to the system, where a
 * thread kept for the process's life would hold it. A thread this simple needs none of a pool library's
 * features.
 */

const IDLE_STOP_MS = 10_000;

/**
 * The codec thread's young generation, in MiB (by default V8 lets it grow to tens of MiB). What this thread allocates
 * in the heap is short-lived (a row's text, a number's digits): a small young generation collects it just as
 * well, and maximum-size requests back to back grew the thread's heap by 20-25 MiB more with the default
 * (peak RSS 344-349 MiB with 8, 361-388 with the default: `node bench/load/rss-after-abuse.ts --requests 12
 * --parallel 2`).
 */
const YOUNG_GENERATION_MB = 8;

// The worker's file has the same extension as this one: .ts when run from source, .js once built.
const WORKER_URL = new URL(`./codec-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url);

interface Task {
  id: number;
  task: CodecTask;
  resolve: (outcome: CodecOutcome) => void;
  reject: (error: Error) => void;
}

export class CodecThread {
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
  async decode(job: DecodeJob): Promise<DecodedRequest> {
    const outcome = await this.#run({ kind: 'decode', job });
    if (outcome.kind !== 'decoded') throw new Error(`a decode came back ${outcome.kind}`);
    return outcome.decoded;
  }

  /** The protocol's encoding of outputs; the job's numeric outputs are moved to the thread, unusable here after. */
  async encode(job: EncodeJob): Promise<EncodedAnswer> {
    const outcome = await this.#run({ kind: 'encode', job });
    if (outcome.kind !== 'encoded') throw new Error(`an encode came back ${outcome.kind}`);
    return outcome.encoded;
  }

  #run(task: CodecTask): Promise<CodecOutcome> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ id: this.#nextId++, task, resolve, reject });
      this.#dispatch();
    });
  }

  /** Whether a codec thread is running now (it stops after IDLE_STOP_MS without work). */
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
    // A busy codec thread keeps the process alive like any request in progress; an idle one does not.
    worker.ref();
    this.#busy = task;
    worker.postMessage({ id: task.id, task: task.task }, movableBuffers(task.task));
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
    const worker = new Worker(WORKER_URL, { resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } });
    worker.on('message', (outcome: CodecOutcome) => {
      const task = this.#busy;
      if (task === undefined || task.id !== outcome.id) return;
      this.#busy = undefined;
      if (outcome.kind === 'refused') task.reject(new ProtocolError(outcome.status, outcome.message));
      else if (outcome.kind === 'failed') task.reject(new Error(`${task.task.kind} on the codec thread failed: ${outcome.message}`));
      else task.resolve(outcome);
      this.#dispatch();
    });
    worker.on('error', (error: Error) => this.#lose(worker, error.message));
    worker.on('exit', (code) => this.#lose(worker, `exited with code ${code}`));
    return worker;
  }

  /** A codec thread that died (out of memory, say) fails its one request; the next job starts a new thread. */
  #lose(worker: Worker, reason: string): void {
    if (this.#worker !== worker) return;
    this.#worker = undefined;
    const task = this.#busy;
    this.#busy = undefined;
    task?.reject(new Error(`codec thread stopped: ${reason}`));
    this.#dispatch();
  }
}
