import { describe, test, mock, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { ApiError } from '../kube/errors.ts';
import { LeaderElector } from './election.ts';
import type { Lease, LeaseApi, LeaseSpec } from './lease.ts';

/** An in-memory Lease with resourceVersion checks, like the API server's optimistic concurrency. */
class FakeLeases implements LeaseApi {
  lease: Lease | undefined;
  private rv = 0;
  async get() {
    return this.lease && structuredClone(this.lease);
  }
  async create(spec: LeaseSpec) {
    if (this.lease) throw new ApiError(409, 'exists');
    this.lease = { metadata: { name: 'l', resourceVersion: String(++this.rv) }, spec };
    return structuredClone(this.lease);
  }
  async update(lease: Lease, spec: LeaseSpec) {
    if (lease.metadata.resourceVersion !== this.lease?.metadata.resourceVersion) throw new ApiError(409, 'conflict');
    this.lease = { metadata: { name: 'l', resourceVersion: String(++this.rv) }, spec };
    return structuredClone(this.lease);
  }
}

const log = pino({ level: 'silent' });

describe('LeaderElector', () => {
  beforeEach(() => mock.timers.enable({ apis: ['Date'], now: 1_000_000 }));
  afterEach(() => mock.timers.reset());

  test('the first candidate creates the lease and leads', async () => {
    const api = new FakeLeases();
    const a = new LeaderElector({ api, identity: 'a', log });
    assert.equal(await a.tryAcquireOrRenew(), true);
    assert.equal(api.lease?.spec?.holderIdentity, 'a');
    assert.equal(api.lease?.spec?.leaseDurationSeconds, 15);
  });

  test('a second candidate waits while the holder keeps renewing', async () => {
    const api = new FakeLeases();
    const a = new LeaderElector({ api, identity: 'a', log });
    const b = new LeaderElector({ api, identity: 'b', log });
    await a.tryAcquireOrRenew();
    for (let i = 0; i < 20; i++) {
      mock.timers.tick(2000);
      assert.equal(await a.tryAcquireOrRenew(), true);
      assert.equal(await b.tryAcquireOrRenew(), false);
    }
  });

  test('a candidate takes over a lease not renewed for the lease duration, counting a transition', async () => {
    const api = new FakeLeases();
    const a = new LeaderElector({ api, identity: 'a', log });
    const b = new LeaderElector({ api, identity: 'b', log });
    await a.tryAcquireOrRenew();
    assert.equal(await b.tryAcquireOrRenew(), false);
    mock.timers.tick(14_000);
    assert.equal(await b.tryAcquireOrRenew(), false, 'still within the lease as b observed it');
    mock.timers.tick(1_000);
    assert.equal(await b.tryAcquireOrRenew(), true);
    assert.equal(api.lease?.spec?.holderIdentity, 'b');
    assert.equal(api.lease?.spec?.leaseTransitions, 1);
  });

  test('a released lease is taken at once', async () => {
    const api = new FakeLeases();
    const ac = new AbortController();
    const a = new LeaderElector({ api, identity: 'a', log });
    const b = new LeaderElector({ api, identity: 'b', log });
    assert.equal(await a.acquire(ac.signal), true);
    assert.equal(await b.tryAcquireOrRenew(), false);
    await a.release();
    assert.equal(a.isLeader, false);
    assert.equal(api.lease?.spec?.holderIdentity, '');
    assert.equal(await b.tryAcquireOrRenew(), true);
  });

  test('of two candidates racing for a free lease only one wins', async () => {
    const api = new FakeLeases();
    const a = new LeaderElector({ api, identity: 'a', log });
    const b = new LeaderElector({ api, identity: 'b', log });
    const wins = await Promise.all([a.tryAcquireOrRenew(), b.tryAcquireOrRenew()]);
    assert.deepEqual(wins.filter(Boolean).length, 1);
  });

  test('leadership changes are reported', async () => {
    const api = new FakeLeases();
    const seen: boolean[] = [];
    const a = new LeaderElector({ api, identity: 'a', log, onLeaderChange: (l) => seen.push(l) });
    await a.acquire(new AbortController().signal);
    await a.release();
    assert.deepEqual(seen, [true, false]);
  });
});

/** A lease API whose requests hang, as they do when the API server is frozen or the network is cut. */
class HangingLeases extends FakeLeases {
  hang = false;
  /** Answers, but only after this long: a slow server rather than a frozen one. */
  slowMs = 0;
  aborted = 0;
  private async stall<T>(signal: AbortSignal | undefined, then: () => Promise<T>): Promise<T> {
    if (this.slowMs > 0) await new Promise((r) => setTimeout(r, this.slowMs));
    if (!this.hang) return then();
    return new Promise<T>((_, reject) => {
      signal?.addEventListener('abort', () => {
        this.aborted++;
        reject(new Error('aborted'));
      }, { once: true });
    });
  }
  override get(signal?: AbortSignal) {
    return this.stall(signal, () => super.get());
  }
  override update(lease: Lease, spec: LeaseSpec, signal?: AbortSignal) {
    return this.stall(signal, () => super.update(lease, spec));
  }
}

describe('LeaderElector under hanging requests', () => {
  test('a leader whose renewals hang loses leadership at the renew deadline, not when the request returns', async () => {
    const api = new HangingLeases();
    const seen: boolean[] = [];
    const a = new LeaderElector({ api, identity: 'a', log, renewDeadlineMs: 300, retryPeriodMs: 50, onLeaderChange: (l) => seen.push(l) });
    const stop = new AbortController();
    assert.equal(await a.acquire(stop.signal), true);
    const started = Date.now();
    api.hang = true;
    const outcome = await a.holdUntilLost(stop.signal);
    const tookMs = Date.now() - started;
    assert.equal(outcome, 'lost');
    assert.deepEqual(seen, [true, false]);
    assert.ok(tookMs >= 250 && tookMs < 1_000, `lost after ${tookMs} ms, renew deadline 300 ms`);
    assert.ok(api.aborted >= 1, 'the hanging renewal was aborted');
  });

  test('a leader whose renewals are slow but answer within the renew deadline keeps leading', async () => {
    const api = new HangingLeases();
    const a = new LeaderElector({ api, identity: 'a', log, renewDeadlineMs: 600, retryPeriodMs: 50 });
    const stop = new AbortController();
    await a.acquire(stop.signal);
    const holding = a.holdUntilLost(stop.signal);
    api.slowMs = 150;
    await new Promise((r) => setTimeout(r, 1_200));
    assert.equal(a.isLeader, true);
    stop.abort();
    assert.equal(await holding, 'stopped');
  });

  test('a candidate whose attempts hang does not block acquire from ending when asked to stop', async () => {
    const api = new HangingLeases();
    api.hang = true;
    const a = new LeaderElector({ api, identity: 'a', log, renewDeadlineMs: 10_000, retryPeriodMs: 50 });
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 100);
    const started = Date.now();
    assert.equal(await a.acquire(stop.signal), false);
    assert.ok(Date.now() - started < 1_000);
  });
});
