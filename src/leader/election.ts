import type { Logger } from 'pino';
import type { Clock } from '../util/clock.ts';
import { realClock } from '../util/clock.ts';
import { isConflict } from '../kube/errors.ts';
import { sleep } from '../util/sleep.ts';
import type { Lease, LeaseApi, LeaseSpec } from './lease.ts';
import { microTime } from './lease.ts';

export interface ElectionOptions {
  api: LeaseApi;
  identity: string;
  log: Logger;
  /** How long a lease holds without renewal; others wait this long after their last sighting of a change. */
  leaseDurationMs?: number;
  /** The leader gives up when it could not renew for this long. */
  renewDeadlineMs?: number;
  /** Pause between attempts to acquire or renew. */
  retryPeriodMs?: number;
  clock?: Clock;
  onLeaderChange?: (leading: boolean) => void;
}

/**
 * Lease-based leader election with client-go's semantics and defaults
 * (15 s lease, 10 s renew deadline, 2 s retry). Expiry is judged by when this
 * process last saw the lease record change, not by the renewTime written in
 * it, so clock skew between replicas does not matter.
 */
export class LeaderElector {
  private readonly api: LeaseApi;
  private readonly identity: string;
  private readonly log: Logger;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly clock: Clock;
  private readonly onLeaderChange: ((leading: boolean) => void) | undefined;
  private observed: { spec: string; at: number } | undefined;
  private latest: Lease | undefined;
  private leading = false;

  constructor(opts: ElectionOptions) {
    this.api = opts.api;
    this.identity = opts.identity;
    this.log = opts.log;
    this.leaseDurationMs = opts.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = opts.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = opts.retryPeriodMs ?? 2_000;
    this.clock = opts.clock ?? realClock;
    this.onLeaderChange = opts.onLeaderChange;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** Resolves once this process holds the lease, or when `signal` aborts (then with false). */
  async acquire(signal: AbortSignal): Promise<boolean> {
    this.log.info({ identity: this.identity }, 'waiting to acquire the leader lease');
    while (!signal.aborted) {
      if (await this.renewWithin(this.renewDeadlineMs, signal)) {
        this.setLeading(true);
        return true;
      }
      await sleep(this.retryPeriodMs * (1 + Math.random() * 0.2), signal);
    }
    return false;
  }

  /**
   * Renews every retry period while leading. Resolves 'lost' as soon as the renew deadline passes without
   * a successful renewal — also when a request hangs (a frozen API server, a cut network): each attempt is
   * aborted, and raced, against the time left, as client-go bounds its renewals by the renew deadline. The
   * caller must stop all work at once: another replica may take over one lease duration after our last
   * renewal, and the renew deadline is shorter than that.
   */
  async holdUntilLost(signal: AbortSignal): Promise<'lost' | 'stopped'> {
    let lastRenew = this.clock.now();
    while (!signal.aborted) {
      await sleep(this.retryPeriodMs, signal);
      if (signal.aborted) break;
      const left = lastRenew + this.renewDeadlineMs - this.clock.now();
      if (left > 0 && (await this.renewWithin(left, signal))) {
        lastRenew = this.clock.now();
        continue;
      }
      if (signal.aborted) break;
      if (this.clock.now() - lastRenew >= this.renewDeadlineMs) {
        this.setLeading(false);
        this.log.error({ identity: this.identity, sinceLastRenewalMs: this.clock.now() - lastRenew }, 'could not renew the leader lease in time; leadership lost');
        return 'lost';
      }
    }
    return 'stopped';
  }

  /** One renewal that settles (false) no later than `ms` from now, whatever the request does. */
  private async renewWithin(ms: number, signal: AbortSignal): Promise<boolean> {
    const deadline = new AbortController();
    const timer = this.clock.setTimeout(() => deadline.abort(new Error('renew deadline reached')), ms);
    const attempt = AbortSignal.any([signal, deadline.signal]);
    const expired = new Promise<false>((resolve) => attempt.addEventListener('abort', () => resolve(false), { once: true }));
    try {
      return await Promise.race([this.tryAcquireOrRenew(attempt), expired]);
    } finally {
      this.clock.clearTimeout(timer);
    }
  }

  /** Hands the lease back so another replica takes over at once instead of after the lease expires. */
  async release(): Promise<void> {
    if (!this.leading || !this.latest) return;
    this.setLeading(false);
    const now = microTime(this.clock.now());
    try {
      await this.api.update(this.latest, {
        holderIdentity: '',
        leaseDurationSeconds: 1,
        acquireTime: now,
        renewTime: now,
        leaseTransitions: this.latest.spec?.leaseTransitions ?? 0,
      });
      this.log.info('released the leader lease');
    } catch (err) {
      this.log.warn({ err }, 'could not release the leader lease; it will expire');
    }
  }

  /** One attempt, as client-go's tryAcquireOrRenew: true when we hold the lease afterwards. */
  async tryAcquireOrRenew(signal?: AbortSignal): Promise<boolean> {
    const now = this.clock.now();
    const mine: LeaseSpec = {
      holderIdentity: this.identity,
      leaseDurationSeconds: Math.round(this.leaseDurationMs / 1000),
      acquireTime: microTime(now),
      renewTime: microTime(now),
      leaseTransitions: 0,
    };
    try {
      const current = await this.api.get(signal);
      if (!current) {
        this.latest = await this.api.create(mine, signal);
        this.observe(this.latest, now);
        return true;
      }
      this.observe(current, now);
      const spec = current.spec ?? {};
      const holder = spec.holderIdentity ?? '';
      const heldByOther = holder !== '' && holder !== this.identity;
      const durationMs = (spec.leaseDurationSeconds ?? 0) * 1000;
      if (heldByOther && (this.observed?.at ?? now) + durationMs > now) return false;
      const renewing = holder === this.identity;
      mine.acquireTime = renewing ? (spec.acquireTime ?? mine.acquireTime) : mine.acquireTime;
      mine.leaseTransitions = renewing ? (spec.leaseTransitions ?? 0) : (spec.leaseTransitions ?? 0) + 1;
      this.latest = await this.api.update(current, mine, signal);
      this.observe(this.latest, now);
      return true;
    } catch (err) {
      if (signal?.aborted) return false;
      if (!isConflict(err)) this.log.warn({ err }, 'leader lease request failed');
      return false;
    }
  }

  private observe(lease: Lease, now: number): void {
    const spec = JSON.stringify(lease.spec ?? {});
    if (this.observed?.spec !== spec) this.observed = { spec, at: now };
  }

  private setLeading(leading: boolean): void {
    if (this.leading === leading) return;
    this.leading = leading;
    this.onLeaderChange?.(leading);
  }
}
