import type { KubeObject } from '../kube/object.ts';

/**
 * What the operator itself wrote lately, per object. The informer cache lags a
 * write by a watch round-trip; a reconcile that runs in between (the status
 * write it just made triggers one) would see the old object and write the same
 * thing again. Reading through this memo makes that second reconcile a no-op.
 *
 * resourceVersions are opaque in principle, but on every etcd-backed server
 * they are increasing integers; when they are not, the cache always wins.
 */
export class RecentWrites {
  private readonly written = new Map<string, { obj: KubeObject; at: number }>();
  private readonly ttlMs: number;

  constructor(ttlMs = 60_000) {
    this.ttlMs = ttlMs;
  }

  remember(key: string, obj: KubeObject, now = Date.now()): void {
    // managedFields are the bulk of an apply answer and nothing reads them.
    const { managedFields: _, ...metadata } = obj.metadata as KubeObject['metadata'] & { managedFields?: unknown };
    this.written.set(key, { obj: { ...obj, metadata }, at: now });
  }

  /** The cache has seen `obj`: a memo it has caught up with is dropped at once, keeping the map small. */
  observed(key: string, obj: KubeObject): void {
    const mine = this.written.get(key);
    if (!mine) return;
    const ours = Number(mine.obj.metadata.resourceVersion);
    const theirs = Number(obj.metadata.resourceVersion);
    if (!Number.isInteger(ours) || !Number.isInteger(theirs) || theirs >= ours) this.written.delete(key);
  }

  get size(): number {
    return this.written.size;
  }

  forget(key: string): void {
    this.written.delete(key);
  }

  /** The newer of the cached object and the one we wrote. */
  newest<T extends KubeObject>(key: string, cached: T | undefined, now = Date.now()): T | undefined {
    const mine = this.written.get(key);
    if (!mine) return cached;
    const ours = Number(mine.obj.metadata.resourceVersion);
    const theirs = Number(cached?.metadata.resourceVersion);
    const cacheCaughtUp = cached !== undefined && (!Number.isInteger(ours) || !Number.isInteger(theirs) || theirs >= ours);
    if (cacheCaughtUp || now - mine.at > this.ttlMs || (cached && cached.metadata.uid !== mine.obj.metadata.uid)) {
      this.written.delete(key);
      return cached;
    }
    return mine.obj as T;
  }

  /** Drops entries the cache has long caught up with, so the map does not grow with churn. */
  prune(now = Date.now()): void {
    for (const [key, { at }] of this.written) if (now - at > this.ttlMs) this.written.delete(key);
  }
}
