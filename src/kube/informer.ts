import type { Logger } from 'pino';
import type { KubeClient } from './client.ts';
import { ApiError, isGone } from './errors.ts';
import type { KubeList, KubeObject } from './object.ts';
import { keyOf } from './object.ts';
import type { Resource } from './resources.ts';
import { pathFor } from './resources.ts';
import { sleep } from '../util/sleep.ts';

export interface EventHandler<T> {
  add?(obj: T): void;
  update?(oldObj: T, obj: T): void;
  delete?(obj: T): void;
}

export interface InformerOptions {
  /** Namespaces to watch; empty means all namespaces. */
  namespaces: string[];
  labelSelector?: string;
  /** Narrows the cache server-side, as a kubelet watches only `spec.nodeName=<node>`. */
  fieldSelector?: string;
  log: Logger;
  pageSize?: number;
  /** First and largest pause after a failed list or watch. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

/**
 * A page of up to 500 objects, read consistently, while the API server is busy with a burst of writes can
 * take longer than a write: the API server bounds a request by its own --request-timeout (60 s by default)
 * and answers 504 after it, so a list page waits a little longer than that, rather than being given up at
 * the client's default deadline and asked for again from the start.
 */
const LIST_PAGE_TIMEOUT_MS = 70_000;

/** Read access to a cache of objects, as the reconcile uses it. */
export interface ObjectStore<T> {
  get(namespace: string, name: string): T | undefined;
  list(namespace?: string): T[];
}

/**
 * A cache of one kind kept current by list + watch, like client-go's shared
 * informer. Unlike client-node's ListWatch it restarts after any error (with
 * backoff, resuming the watch where it was; a fresh list only after 410 Gone),
 * asks for bookmarks so reconnects rarely relist, and pages through large lists.
 */
export class Informer<T extends KubeObject> implements ObjectStore<T> {
  readonly resource: Resource;
  private readonly reflectors: Reflector<T>[];
  private readonly handlers: EventHandler<T>[] = [];
  private abort: AbortController | undefined;
  private running: Promise<unknown> | undefined;

  constructor(client: KubeClient, resource: Resource, opts: InformerOptions) {
    this.resource = resource;
    const namespaces = opts.namespaces.length ? opts.namespaces : [undefined];
    this.reflectors = namespaces.map((ns) => new Reflector<T>(client, resource, ns, opts, this.handlers));
  }

  on(handler: EventHandler<T>): void {
    this.handlers.push(handler);
  }

  get(namespace: string, name: string): T | undefined {
    for (const r of this.reflectors) {
      const obj = r.store.get(`${namespace}/${name}`);
      if (obj) return obj;
    }
    return undefined;
  }

  list(namespace?: string): T[] {
    const out: T[] = [];
    for (const r of this.reflectors)
      for (const obj of r.store.values()) if (namespace === undefined || obj.metadata.namespace === namespace) out.push(obj);
    return out;
  }

  hasSynced(): boolean {
    return this.reflectors.every((r) => r.synced);
  }

  start(): void {
    if (this.abort) return;
    this.abort = new AbortController();
    const signal = this.abort.signal;
    this.running = Promise.all(this.reflectors.map((r) => r.run(signal)));
  }

  async stop(): Promise<void> {
    this.abort?.abort();
    await this.running;
    this.abort = undefined;
  }
}

type WatchEvent<T> = { type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR'; object: T };

class Reflector<T extends KubeObject> {
  readonly store = new Map<string, T>();
  synced = false;
  private resourceVersion = '';
  private readonly client: KubeClient;
  private readonly resource: Resource;
  private readonly namespace: string | undefined;
  private readonly opts: InformerOptions;
  private readonly handlers: EventHandler<T>[];
  private readonly log: Logger;

  constructor(client: KubeClient, resource: Resource, namespace: string | undefined, opts: InformerOptions, handlers: EventHandler<T>[]) {
    this.client = client;
    this.resource = resource;
    this.namespace = namespace;
    this.opts = opts;
    this.handlers = handlers;
    this.log = opts.log.child({ informer: resource.plural, namespace: namespace ?? '*' });
  }

  async run(signal: AbortSignal): Promise<void> {
    const minBackoff = this.opts.minBackoffMs ?? 1000;
    const maxBackoff = this.opts.maxBackoffMs ?? 30_000;
    let backoff = minBackoff;
    while (!signal.aborted) {
      try {
        if (!this.resourceVersion) await this.relist(signal);
        const started = Date.now();
        const healthy = await this.watch(signal);
        if (healthy) backoff = minBackoff;
        // A server that ends watches at once must not make us spin.
        else if (Date.now() - started < 1000) await sleep(minBackoff, signal);
      } catch (err) {
        if (signal.aborted) break;
        if (isGone(err)) {
          // Our resourceVersion fell out of the server's window: relist right away.
          this.resourceVersion = '';
          continue;
        }
        // The watch resumes from the last event it delivered, as client-go's does: a relist is a
        // consistent read of every object, which a loaded API server may take long to answer; only a
        // failed list (no resourceVersion yet) or 410 Gone starts over.
        this.log.warn({ err, retryInMs: backoff }, 'list/watch failed; restarting');
        await sleep(backoff * (0.5 + Math.random()), signal);
        backoff = Math.min(backoff * 2, maxBackoff);
      }
    }
  }

  private async relist(signal: AbortSignal): Promise<void> {
    const items: T[] = [];
    let cont: string | undefined;
    let rv = '';
    do {
      const page = await this.client.get<KubeList<T>>(pathFor(this.resource, this.namespace), {
        query: { ...this.selectors(), limit: this.opts.pageSize ?? 500, continue: cont },
        signal,
        timeoutMs: LIST_PAGE_TIMEOUT_MS,
      });
      for (const item of page.items) items.push(withKind(item, this.resource));
      cont = page.metadata?.continue || undefined;
      rv = page.metadata?.resourceVersion ?? '';
    } while (cont);
    this.replace(items);
    this.resourceVersion = rv;
    this.synced = true;
    this.log.debug({ count: items.length, resourceVersion: rv }, 'listed');
  }

  /** The same selectors on list and watch, so the watch continues exactly the listed set. */
  private selectors(): { labelSelector?: string; fieldSelector?: string } {
    return { labelSelector: this.opts.labelSelector, fieldSelector: this.opts.fieldSelector };
  }

  /** Makes the store equal `items`, telling handlers what changed since the last list. */
  private replace(items: T[]): void {
    const fresh = new Map(items.map((o) => [keyOf(o), o]));
    for (const [key, old] of this.store) if (!fresh.has(key)) this.remove(old);
    for (const obj of fresh.values()) this.upsert(obj);
  }

  /** Watches until the server ends the stream. Returns whether the watch delivered anything. */
  private async watch(signal: AbortSignal): Promise<boolean> {
    const timeoutSeconds = 300 + Math.floor(Math.random() * 300);
    const local = new AbortController();
    const onAbort = () => local.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    // A connection that silently dies never ends the stream; bookmarks arrive
    // about once a minute, so long silence means the watch is gone.
    let idle: ReturnType<typeof setTimeout> | undefined;
    const touch = () => {
      clearTimeout(idle);
      idle = setTimeout(() => local.abort(), (timeoutSeconds + 60) * 1000);
      idle.unref();
    };
    let delivered = false;
    try {
      touch();
      const res = await this.client.stream(pathFor(this.resource, this.namespace), {
        query: {
          watch: 1,
          resourceVersion: this.resourceVersion,
          allowWatchBookmarks: true,
          timeoutSeconds,
          ...this.selectors(),
        },
        signal: local.signal,
      });
      if (!res.body) return false;
      let buffered = '';
      const decoder = new TextDecoder();
      for await (const chunk of res.body) {
        touch();
        buffered += decoder.decode(chunk, { stream: true });
        let nl: number;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, nl).trim();
          buffered = buffered.slice(nl + 1);
          if (line) this.handle(JSON.parse(line) as WatchEvent<T>);
          delivered = true;
        }
      }
      return delivered;
    } catch (err) {
      // Our own idle abort is a normal end: watch again from where we were.
      if (local.signal.aborted && !signal.aborted) return delivered;
      throw err;
    } finally {
      clearTimeout(idle);
      signal.removeEventListener('abort', onAbort);
    }
  }

  private handle(event: WatchEvent<T>): void {
    if (event.type === 'ERROR') {
      const status = event.object as unknown as { code?: number; message?: string; reason?: string };
      throw new ApiError(status.code ?? 500, status.message ?? 'watch error', status.reason);
    }
    const obj = withKind(event.object, this.resource);
    if (event.type === 'DELETED') this.remove(obj);
    else if (event.type !== 'BOOKMARK') this.upsert(obj);
    if (obj.metadata?.resourceVersion) this.resourceVersion = obj.metadata.resourceVersion;
  }

  private upsert(obj: T): void {
    const key = keyOf(obj);
    const old = this.store.get(key);
    if (old && old.metadata.resourceVersion === obj.metadata.resourceVersion) return;
    this.store.set(key, obj);
    for (const h of this.handlers) {
      try {
        if (old) h.update?.(old, obj);
        else h.add?.(obj);
      } catch (err) {
        this.log.error({ err }, 'event handler failed');
      }
    }
  }

  private remove(obj: T): void {
    const key = keyOf(obj);
    const old = this.store.get(key) ?? obj;
    if (!this.store.delete(key)) return;
    for (const h of this.handlers) {
      try {
        h.delete?.(old);
      } catch (err) {
        this.log.error({ err }, 'event handler failed');
      }
    }
  }
}

/**
 * List items come without apiVersion/kind; fill them in so cached objects look
 * the same wherever they came from. managedFields are dropped: nothing reads
 * them from the cache, and they are often a third of an object's size.
 */
function withKind<T extends KubeObject>(obj: T, r: Resource): T {
  const meta = obj.metadata as (T['metadata'] & { managedFields?: unknown }) | undefined;
  if (meta?.managedFields) {
    const { managedFields: _, ...rest } = meta;
    obj = { ...obj, metadata: rest };
  }
  if (obj.kind && obj.apiVersion) return obj;
  return { ...obj, apiVersion: r.group ? `${r.group}/${r.version}` : r.version, kind: r.kind };
}
