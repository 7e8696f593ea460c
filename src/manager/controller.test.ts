import { describe, test, mock, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { Controller, TerminalError, isPanic } from './controller.ts';
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

  test('recovers a reconcile that panics: counts it, keeps the worker, and retries the key', async () => {
    const metrics = new OperatorMetrics();
    let n = 0;
    const c = controller(async () => {
      n++;
      if (n === 1) {
        const missing = undefined as unknown as { spec: { replicas: number } };
        return { requeueAfterMs: missing.spec.replicas }; // a TypeError: a bug, not a failure of the world
      }
      return {};
    }, 1, metrics);
    c.start();
    c.enqueue('ns/a');
    for (let t = 0; t < 20; t++) {
      await settle();
      mock.timers.tick(1);
    }
    assert.equal(n, 2, 'the key ran again after the panic');
    const text = await metrics.registry.metrics();
    assert.match(text, /controller_runtime_reconcile_panics_total\{controller="test"\} 1/);
    assert.match(text, /controller_runtime_reconcile_errors_total\{controller="test"\} 1/);
    c.enqueue('ns/b');
    await settle();
    assert.equal(n, 3, 'the worker still takes keys');
    await c.stop();
  });

  test('gives every pass its own reconcile ID on every log line, with the key', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const sink = { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) };
    let fail = true;
    const c = new Controller({
      name: 'test',
      workers: 1,
      log: pino({ level: 'info' }, sink),
      rateLimiter: new ExponentialFailureRateLimiter(5, 1000),
      reconcile: async (_key, pass) => {
        pass.log.info('inside the pass');
        if (fail) {
          fail = false;
          throw new Error('API down');
        }
        return {};
      },
    });
    c.start();
    c.enqueue('ns/a');
    for (let t = 0; t < 20; t++) {
      await settle();
      mock.timers.tick(1);
    }
    const inside = lines.filter((l) => l.msg === 'inside the pass');
    const failed = lines.find((l) => l.msg === 'reconcile failed; will retry');
    assert.equal(inside.length, 2);
    assert.ok(inside.every((l) => l.namespace === 'ns' && l.name === 'a' && typeof l.reconcileID === 'string'));
    assert.notEqual(inside[0]!.reconcileID, inside[1]!.reconcileID, 'each pass has its own ID');
    assert.equal(failed?.reconcileID, inside[0]!.reconcileID, 'the controller\'s own line about a pass carries its ID');
    await c.stop();
  });
});

describe('isPanic', () => {
  test('tells bugs from failures of the world', () => {
    assert.equal(isPanic(new TypeError('Cannot read properties of undefined')), true);
    assert.equal(isPanic(new ReferenceError('x is not defined')), true);
    assert.equal(isPanic('a string'), true);
    assert.equal(isPanic(new TypeError('fetch failed', { cause: new Error('ECONNREFUSED') })), false);
    assert.equal(isPanic(new Error('API down')), false);
    assert.equal(isPanic(new TerminalError('bad spec')), false);
  });
});
