import { describe, test, mock, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { WorkQueue } from './workqueue.ts';
import { ExponentialFailureRateLimiter, TokenBucketRateLimiter, defaultControllerRateLimiter } from './ratelimiter.ts';

/** Resolves `p` if it has settled by now, else returns 'pending'. */
async function peek<T>(p: Promise<T>): Promise<T | 'pending'> {
  return Promise.race([p, new Promise<'pending'>((r) => setImmediate(() => r('pending')))]);
}

describe('WorkQueue', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 }));
  afterEach(() => mock.timers.reset());

  test('repeated adds of a waiting key collapse into one', async () => {
    const q = new WorkQueue<string>();
    q.add('a');
    q.add('a');
    q.add('b');
    assert.equal(q.length, 2);
    assert.deepEqual(await q.get(), { key: 'a', shutdown: false });
    assert.deepEqual(await q.get(), { key: 'b', shutdown: false });
    assert.equal(q.length, 0);
  });

  test('a key being processed is not handed to a second worker', async () => {
    const q = new WorkQueue<string>();
    q.add('a');
    const first = await q.get();
    q.add('a');
    assert.equal(q.length, 0, 'the re-add waits for done');
    const second = q.get();
    assert.equal(await peek(second), 'pending');
    q.done(first.key as string);
    assert.deepEqual(await second, { key: 'a', shutdown: false });
  });

  test('a key re-added several times while processing runs once more, not several times', async () => {
    const q = new WorkQueue<string>();
    q.add('a');
    await q.get();
    q.add('a');
    q.add('a');
    q.done('a');
    assert.equal(q.length, 1);
    await q.get();
    q.done('a');
    assert.equal(q.length, 0);
  });

  test('get waits for an add', async () => {
    const q = new WorkQueue<string>();
    const next = q.get();
    assert.equal(await peek(next), 'pending');
    q.add('x');
    assert.deepEqual(await next, { key: 'x', shutdown: false });
  });

  test('addAfter adds the key once its delay has passed', async () => {
    const q = new WorkQueue<string>();
    q.addAfter('a', 1000);
    mock.timers.tick(999);
    assert.equal(q.length, 0);
    mock.timers.tick(1);
    assert.equal(q.length, 1);
  });

  test('of two delayed adds for one key the earlier wins and only one add happens', async () => {
    const q = new WorkQueue<string>();
    q.addAfter('a', 5000);
    q.addAfter('a', 1000);
    q.addAfter('a', 3000);
    mock.timers.tick(1000);
    assert.equal(q.length, 1);
    await q.get();
    q.done('a');
    mock.timers.tick(10_000);
    assert.equal(q.length, 0, 'the later timers were cancelled');
  });

  test('addRateLimited backs off exponentially per key and forget resets it', async () => {
    const q = new WorkQueue<string>({ rateLimiter: new ExponentialFailureRateLimiter(5, 1_000_000) });
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      const start = Date.now();
      q.addRateLimited('a');
      while (q.length === 0) mock.timers.tick(1);
      delays.push(Date.now() - start);
      await q.get();
      q.done('a');
    }
    assert.deepEqual(delays, [5, 10, 20, 40]);
    assert.equal(q.numRequeues('a'), 4);
    q.forget('a');
    assert.equal(q.numRequeues('a'), 0);
  });

  test('shutdown wakes waiting workers and drops delayed adds', async () => {
    const q = new WorkQueue<string>();
    const waiting = q.get();
    q.addAfter('later', 100);
    q.shutdown();
    assert.deepEqual(await waiting, { shutdown: true });
    mock.timers.tick(1000);
    assert.equal(q.length, 0);
    q.add('b');
    assert.equal(q.length, 0, 'adds after shutdown are ignored');
  });

  test('drain resolves only after keys in hand are done', async () => {
    const q = new WorkQueue<string>();
    q.add('a');
    await q.get();
    const drained = q.drain();
    assert.equal(await peek(drained), 'pending');
    q.done('a');
    assert.equal(await peek(drained), undefined);
  });

  test('the observer sees adds, depth, queue wait and work time', async () => {
    const seen: string[] = [];
    const q = new WorkQueue<string>({
      observer: {
        added: () => seen.push('add'),
        depth: (n) => seen.push(`depth=${n}`),
        dequeued: (s) => seen.push(`waited=${s}`),
        finished: (s) => seen.push(`worked=${s}`),
        retried: () => seen.push('retry'),
      },
    });
    q.add('a');
    mock.timers.tick(2000);
    await q.get();
    mock.timers.tick(500);
    q.done('a');
    assert.deepEqual(seen, ['add', 'depth=1', 'depth=0', 'waited=2', 'worked=0.5']);
  });
});

describe('rate limiters', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 }));
  afterEach(() => mock.timers.reset());

  test('exponential backoff is capped', () => {
    const l = new ExponentialFailureRateLimiter<string>(5, 1_000_000);
    let last = 0;
    for (let i = 0; i < 40; i++) last = l.when('k');
    assert.equal(last, 1_000_000);
  });

  test('exponential backoff is tracked per key', () => {
    const l = new ExponentialFailureRateLimiter<string>(5, 1000);
    l.when('a');
    l.when('a');
    assert.equal(l.when('b'), 5);
    assert.equal(l.when('a'), 20);
  });

  test('the token bucket lets a burst through, then spaces adds at qps', () => {
    const l = new TokenBucketRateLimiter<string>(10, 3);
    assert.deepEqual([l.when('a'), l.when('b'), l.when('c')], [0, 0, 0]);
    assert.equal(l.when('d'), 100);
    assert.equal(l.when('e'), 200);
    mock.timers.tick(1000);
    // 10 tokens refilled in a second, capped at the burst of 3, minus the 2 borrowed.
    assert.equal(l.when('f'), 0);
  });

  test('the default limiter takes the larger of the per-key and global delays', () => {
    const l = defaultControllerRateLimiter<string>();
    assert.equal(l.when('a'), 5);
    for (let i = 0; i < 200; i++) l.when(`k${i}`);
    assert.ok(l.when('z') > 5, 'the global bucket is empty after 200 failures');
  });
});

describe('WorkQueue priorities', () => {
  test('high-priority keys are handed out before normal ones, each in FIFO order', async () => {
    const q = new WorkQueue<string>();
    q.add('n1');
    q.add('h1', 'high');
    q.add('n2');
    q.add('h2', 'high');
    const order: string[] = [];
    for (let i = 0; i < 4; i++) order.push((await q.get()).key as string);
    assert.deepEqual(order, ['h1', 'h2', 'n1', 'n2']);
  });

  test('a waiting key added again with high priority moves up, once', async () => {
    const q = new WorkQueue<string>();
    q.add('a');
    q.add('b');
    q.add('b', 'high');
    q.add('b', 'high');
    assert.equal(q.length, 2);
    assert.equal((await q.get()).key, 'b');
    assert.equal((await q.get()).key, 'a');
  });

  test('a high-priority re-add during processing is queued high when done', async () => {
    const q = new WorkQueue<string>();
    q.add('a');
    await q.get();
    q.add('x');
    q.add('a', 'high');
    q.done('a');
    assert.equal((await q.get()).key, 'a');
  });
});
