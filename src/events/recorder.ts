import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { KubeClient } from '../kube/client.ts';
import type { KubeObject } from '../kube/object.ts';
import { Events, apiVersionOf, pathFor } from '../kube/resources.ts';
import { microTime } from '../leader/lease.ts';

export type EventType = 'Normal' | 'Warning';

export interface RecorderOptions {
  client: Pick<KubeClient, 'create' | 'mergePatch'>;
  log: Logger;
  /** Which operator replica reports (the leader identity). */
  instance: string;
  now?: () => number;
  /** Repeats of one event within this window update its count instead of creating a new Event. */
  windowMs?: number;
  /** At most one count update per event per this long; repeats in between are added up. */
  seriesIntervalMs?: number;
}

interface Seen {
  name: string;
  namespace: string;
  count: number;
  first: number;
  lastWrite: number;
}

const REPORTING_CONTROLLER = 'modelship.io/operator';
const MAX_TRACKED = 4096;

/**
 * Records events.k8s.io/v1 Events about ModelDeployments. An event repeated
 * within a window becomes one Event with a series count (as client-go's
 * events broadcaster does), so a crash-looping child cannot flood etcd. Writes
 * are fire-and-forget: an Event that fails to post never fails a reconcile.
 */
export class EventRecorder {
  private readonly opts: RecorderOptions;
  private readonly now: () => number;
  private readonly seen = new Map<string, Seen>();

  constructor(opts: RecorderOptions) {
    this.opts = opts;
    this.now = opts.now ?? Date.now;
  }

  event(regarding: KubeObject, type: EventType, reason: string, action: string, note: string, log: Logger = this.opts.log): void {
    void this.record(regarding, type, reason, action, note).catch((err: unknown) => log.warn({ err, reason }, 'could not record event'));
  }

  /** The same recorder, logging a failed post on `log` (a reconcile pass's logger, with its reconcile ID). */
  loggingTo(log: Logger): Pick<EventRecorder, 'event'> {
    return { event: (regarding, type, reason, action, note) => this.event(regarding, type, reason, action, note, log) };
  }

  private async record(regarding: KubeObject, type: EventType, reason: string, action: string, note: string): Promise<void> {
    const now = this.now();
    const key = [regarding.metadata.uid, type, reason, note].join('\u0000');
    const windowMs = this.opts.windowMs ?? 10 * 60_000;
    const prev = this.seen.get(key);
    if (prev && now - prev.first < windowMs) {
      prev.count += 1;
      if (now - prev.lastWrite < (this.opts.seriesIntervalMs ?? 30_000)) return;
      prev.lastWrite = now;
      await this.opts.client.mergePatch(pathFor(Events, prev.namespace, prev.name), {
        series: { count: prev.count, lastObservedTime: microTime(now) },
      });
      return;
    }
    const namespace = regarding.metadata.namespace ?? 'default';
    const name = `${regarding.metadata.name}.${randomBytes(8).toString('hex')}`;
    this.track(key, { name, namespace, count: 1, first: now, lastWrite: now });
    await this.opts.client.create(pathFor(Events, namespace), {
      apiVersion: apiVersionOf(Events),
      kind: Events.kind,
      metadata: { name, namespace },
      eventTime: microTime(now),
      reportingController: REPORTING_CONTROLLER,
      reportingInstance: this.opts.instance.slice(0, 128),
      action,
      reason,
      note: note.slice(0, 1024),
      type,
      regarding: {
        apiVersion: regarding.apiVersion,
        kind: regarding.kind,
        name: regarding.metadata.name,
        namespace: regarding.metadata.namespace,
        uid: regarding.metadata.uid,
      },
    });
  }

  private track(key: string, seen: Seen): void {
    if (this.seen.size >= MAX_TRACKED) {
      // Maps iterate in insertion order: drop the oldest.
      const oldest = this.seen.keys().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
    this.seen.set(key, seen);
  }
}
