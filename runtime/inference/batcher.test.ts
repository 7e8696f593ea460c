import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DynamicBatcher, QueueFullError } from './batcher.ts';
import type { InferenceWorkers } from './batcher.ts';
import type { RunResult } from './worker-pool.ts';
import { concatenateRows } from './batch-rows.ts';
import type { Tensor } from '../tensor/datatypes.ts';

interface PendingRun {
  inputs: Record<string, Tensor>;
  /** How many pieces the batch came in, and the buffers moved with them. */
  parts: number;
  transfer: ArrayBuffer[];
  resolve: (result: RunResult) => void;
  reject: (error: Error) => void;
}

/** Workers whose batches finish only when the test says so; the "model" doubles its input. */
class ManualWorkers implements InferenceWorkers {
  idleWorkers: number;
  readonly runs: PendingRun[] = [];
  batcher: DynamicBatcher | undefined;

  constructor(count: number) {
    this.idleWorkers = count;
  }

  run(parts: Record<string, Tensor>[], transfer: ArrayBuffer[]): Promise<RunResult> {
    this.idleWorkers--;
    const inputs = concatenateRows(parts);
    return new Promise((resolve, reject) => this.runs.push({ inputs, parts: parts.length, transfer, resolve, reject }));
  }

  rowsOfRun(index: number): number {
    return this.runs[index]!.inputs.x!.shape[0]!;
  }

  finish(index: number): void {
    const run = this.runs[index]!;
    const x = run.inputs.x!;
    const doubled = Float32Array.from(x.data as Float32Array, (value) => value * 2);
    this.idleWorkers++;
    run.resolve({ outputs: { y: { datatype: 'FP32', shape: x.shape, data: doubled } }, inferenceSeconds: 0 });
    queueMicrotask(() => this.batcher?.dispatch());
  }

  fail(index: number, message: string): void {
    this.idleWorkers++;
    this.runs[index]!.reject(new Error(message));
    queueMicrotask(() => this.batcher?.dispatch());
  }
}

function setUp(workerCount: number, options: Partial<{ maxBatchSize: number; maxQueueDelayMs: number; maxQueueSize: number; batchable: boolean }> = {}) {
  const workers = new ManualWorkers(workerCount);
  const batcher = new DynamicBatcher({
    workers,
    batchable: options.batchable ?? true,
    maxBatchSize: options.maxBatchSize ?? 8,
    maxQueueDelayMs: options.maxQueueDelayMs ?? 0,
    maxQueueSize: options.maxQueueSize ?? 100,
    observer: { queued: () => {}, batchFinished: () => {} },
  });
  workers.batcher = batcher;
  return { workers, batcher };
}

function rows(...values: number[][]): Record<string, Tensor> {
  return { x: { datatype: 'FP32', shape: [values.length, values[0]!.length], data: Float32Array.from(values.flat()) } };
}

function valuesOf(outputs: Record<string, Tensor>): number[] {
  return [...(outputs.y!.data as Float32Array)];
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('a request goes to an idle worker without waiting for others', async () => {
  const { workers, batcher } = setUp(1);
  const answer = batcher.submit(rows([1, 1]));
  await settle();
  assert.equal(workers.runs.length, 1);
  workers.finish(0);
  assert.deepEqual(valuesOf(await answer), [2, 2]);
});

test('requests that arrive while every worker is busy leave together, and each caller gets its own rows', async () => {
  const { workers, batcher } = setUp(1);
  const first = batcher.submit(rows([1, 1]));
  await settle();
  const waiting = [batcher.submit(rows([2, 2])), batcher.submit(rows([3, 3], [4, 4])), batcher.submit(rows([5, 5]))];
  await settle();
  assert.equal(batcher.queueDepth, 3);
  workers.finish(0);
  await first;
  await settle();
  assert.equal(workers.runs.length, 2);
  assert.equal(workers.rowsOfRun(1), 4);
  workers.finish(1);
  const answers = await Promise.all(waiting);
  assert.deepEqual(answers.map(valuesOf), [[4, 4], [6, 6, 8, 8], [10, 10]]);
});

test('a batch never exceeds maxBatchSize rows, and a larger request runs alone', async () => {
  const { workers, batcher } = setUp(1, { maxBatchSize: 3 });
  const blocker = batcher.submit(rows([0, 0]));
  await settle();
  const waiting = [
    batcher.submit(rows([1, 1], [1, 1])),
    batcher.submit(rows([2, 2], [2, 2])),
    batcher.submit(rows([3, 3], [3, 3], [3, 3], [3, 3])),
  ];
  workers.finish(0);
  await blocker;
  for (let run = 1; run <= 3; run++) {
    await settle();
    workers.finish(run);
  }
  assert.deepEqual(
    [1, 2, 3].map((run) => workers.rowsOfRun(run)),
    [2, 2, 4],
  );
  assert.deepEqual((await Promise.all(waiting)).map(valuesOf), [[2, 2, 2, 2], [4, 4, 4, 4], [6, 6, 6, 6, 6, 6, 6, 6]]);
});

test('requests with different inner shapes are not merged', async () => {
  const { workers, batcher } = setUp(1);
  const blocker = batcher.submit(rows([0, 0]));
  await settle();
  const narrow = batcher.submit(rows([1, 1]));
  const wide = batcher.submit(rows([2, 2, 2]));
  workers.finish(0);
  await blocker;
  await settle();
  workers.finish(1);
  await settle();
  workers.finish(2);
  assert.deepEqual(valuesOf(await narrow), [2, 2]);
  assert.deepEqual(valuesOf(await wide), [4, 4, 4]);
  assert.equal(workers.runs.length, 3);
});

test('models without a dynamic batch dimension run one request at a time', async () => {
  const { workers, batcher } = setUp(1, { batchable: false });
  const blocker = batcher.submit(rows([0, 0]));
  await settle();
  const queued = [batcher.submit(rows([1, 1])), batcher.submit(rows([2, 2]))];
  workers.finish(0);
  await blocker;
  await settle();
  assert.equal(workers.rowsOfRun(1), 1);
  workers.finish(1);
  await settle();
  workers.finish(2);
  await Promise.all(queued);
});

test('beyond maxQueueSize waiting requests, new ones are refused with 429', async () => {
  const { workers, batcher } = setUp(1, { maxQueueSize: 2 });
  const blocker = batcher.submit(rows([0, 0]));
  await settle();
  const queued = [batcher.submit(rows([1, 1])), batcher.submit(rows([2, 2]))];
  await assert.rejects(batcher.submit(rows([3, 3])), (error: QueueFullError) => error.status === 429);
  workers.finish(0);
  await blocker;
  await settle();
  workers.finish(1);
  await Promise.all(queued);
});

test('maxQueueDelayMs holds a partial batch until it fills', async () => {
  const { workers, batcher } = setUp(1, { maxBatchSize: 2, maxQueueDelayMs: 60_000 });
  const first = batcher.submit(rows([1, 1]));
  await settle();
  assert.equal(workers.runs.length, 0, 'held back while the batch has room');
  const second = batcher.submit(rows([2, 2]));
  await settle();
  assert.equal(workers.runs.length, 1);
  assert.equal(workers.rowsOfRun(0), 2);
  workers.finish(0);
  assert.deepEqual([valuesOf(await first), valuesOf(await second)], [[2, 2], [4, 4]]);
});

test('a failed batch fails each of its callers, and later requests still run', async () => {
  const { workers, batcher } = setUp(1);
  const blocker = batcher.submit(rows([0, 0]));
  await settle();
  const doomed = [batcher.submit(rows([1, 1])), batcher.submit(rows([2, 2]))];
  workers.finish(0);
  await blocker;
  await settle();
  workers.fail(1, 'inference failed: boom');
  for (const answer of doomed) await assert.rejects(answer, /boom/);
  const later = batcher.submit(rows([3, 3]));
  await settle();
  workers.finish(2);
  assert.deepEqual(valuesOf(await later), [6, 6]);
});

test('whenIdle waits for queued and running work', async () => {
  const { workers, batcher } = setUp(1);
  const answer = batcher.submit(rows([1, 1]));
  let idle = false;
  const idleNow = batcher.whenIdle().then(() => (idle = true));
  await settle();
  assert.equal(idle, false);
  workers.finish(0);
  await answer;
  await idleNow;
  assert.equal(idle, true);
});

test('a batch of large requests goes to the worker in pieces, each moved; a small batch is joined first', async () => {
  const { workers, batcher } = setUp(1, { maxBatchSize: 64 });
  const first = batcher.submit(rows([1, 1]));
  await settle();
  // Two requests of 16 KiB each: joined, 32 KiB, over the 16 KiB from which the worker joins.
  const large = (value: number) => rows(...Array.from({ length: 16 }, () => Array.from({ length: 256 }, () => value)));
  const waiting = [batcher.submit(large(1)), batcher.submit(large(2))];
  await settle();
  workers.finish(0);
  await first;
  await settle();
  assert.equal(workers.runs[1]!.parts, 2);
  assert.equal(workers.runs[1]!.transfer.length, 2, 'both requests\' buffers are moved, not copied');
  const small = [batcher.submit(rows([3, 3])), batcher.submit(rows([4, 4]))];
  await settle();
  workers.finish(1);
  const answers = await Promise.all(waiting);
  assert.deepEqual([answers[0]!.y!.data[0], answers[1]!.y!.data[4095]], [2, 4]);
  await settle();
  assert.equal(workers.runs[2]!.parts, 1);
  workers.finish(2);
  assert.deepEqual((await Promise.all(small)).map(valuesOf), [[6, 6], [8, 8]]);
});
