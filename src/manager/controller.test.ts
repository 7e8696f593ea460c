import { describe, test, mock, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { Controller, TerminalError } from './controller.ts';
import type { Result } from './controller.ts';
import { OperatorMetrics } from './metrics.ts';
import { ExponentialFailureRateLimiter } from '../workqueue/ratelimiter.ts';

const log = pino({ level: 'silent' });

/** Lets promise callbacks run: mock timers do not cover microtasks. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

function controller(reconcile: (key: string) => Promise<Result>, workers = 1, metrics?: OperatorMetrics) {
  return new Controller({
    name: 'test',
    reconcile,
    workers,
    log,
    rateLimiter: new ExponentialFailureRateLimiter(5, 1000),
    ...(metrics ? { metrics } : {}),
  });
}

describe('Controller', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 }));
  afterEach(() => mock.timers.reset());

  test('retries a failing key with growing backoff, never in a hot loop', async () => {
    const times: number[] = [];
    const c = controller(async () => {
      times.push(Date.now());
      throw new Error('API down');
    });
    c.start();
    c.enqueue('ns/a');
    for (let t = 0; t < 100; t++) {
      await settle();
      mock.timers.tick(1);
    }
    await settle();
    assert.deepEqual(times, [0, 5, 15, 35, 75]);
    c.queue.shutdown();
  });

  test('does not retry a terminal error', async () => {
    let calls = 0;
    const c = controller(async () => {
      calls++;
      throw new TerminalError('spec can never work');
    });
    c.start();
    c.enqueue('ns/a');
    for (let t = 0; t < 50; t++) {
      await settle();
      mock.timers.tick(10);
    }
    assert.equal(calls, 1);
    c.queue.shutdown();
  });

  test('requeueAfter brings the key back after that delay, and success resets the backoff', async () => {
    const times: number[] = [];
    let fail = true;
    const c = controller(async () => {
      times.push(Date.now());
      if (fail) {
        fail = false;
        throw new Error('once');
      }
      return times.length < 3 ? { requeueAfterMs: 100 } : {};
    });
    c.start();
    c.enqueue('ns/a');
    for (let t = 0; t < 300; t++) {
      await settle();
      mock.timers.tick(1);
    }
    assert.deepEqual(times, [0, 5, 105]);
    assert.equal(c.queue.numRequeues('ns/a'), 0);
    c.queue.shutdown();
  });

  test('with many workers one key still runs one at a time', async () => {
    let running = 0;
    let most = 0;
    let calls = 0;
    const c = controller(async () => {
      running++;
      calls++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, 10));
      running--;
      return {};
    }, 4);
    c.start();
    for (let i = 0; i < 5; i++) {
      c.enqueue('ns/a');
      await settle();
      mock.timers.tick(3);
    }
    for (let t = 0; t < 10; t++) {
      await settle();
      mock.timers.tick(10);
    }
    assert.equal(most, 1);
    assert.ok(calls >= 2 && calls <= 3, `adds during a run collapse into one more run (${calls})`);
    await c.stop();
  });

  test('counts results under controller-runtime metric names', async () => {
    const metrics = new OperatorMetrics();
    let n = 0;
    const c = controller(async () => {
      n++;
      if (n === 1) throw new Error('x');
      return {};
    }, 1, metrics);
    c.start();
    c.enqueue('ns/a');
    for (let t = 0; t < 20; t++) {
      await settle();
      mock.timers.tick(1);
    }
    const text = await metrics.registry.metrics();
    assert.match(text, /controller_runtime_reconcile_total\{controller="test",result="error"\} 1/);
    assert.match(text, /controller_runtime_reconcile_total\{controller="test",result="success"\} 1/);
    assert.match(text, /controller_runtime_reconcile_errors_total\{controller="test"\} 1/);
    assert.match(text, /workqueue_adds_total\{name="test",controller="test"\} 2/);
    assert.match(text, /workqueue_retries_total\{name="test",controller="test"\} 1/);
    assert.match(text, /workqueue_depth\{name="test",controller="test"\} 0/);
    assert.match(text, /controller_runtime_reconcile_time_seconds_count\{controller="test"\} 2/);
    assert.match(text, /process_resident_memory_bytes/);
    await c.stop();
  });
});
