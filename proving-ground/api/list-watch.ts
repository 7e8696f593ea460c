import type { ApiClient, Query, Status } from './api-client.ts';
import { delay, describeError } from '../lib/wait.ts';

interface HasResourceVersion {
  metadata?: { resourceVersion?: string };
}

interface List<T> {
  metadata?: { resourceVersion?: string };
  items: T[];
}

export interface ListWatchOptions<T> {
  client: ApiClient;
  /** Collection path, e.g. /api/v1/pods */
  path: string;
  query?: Query;
  /** The complete current set, after every (re)list. */
  onList(items: T[]): void;
  onEvent(type: 'ADDED' | 'MODIFIED' | 'DELETED', object: T): void;
  onError?(message: string): void;
  signal: AbortSignal;
}

/**
 * List, then watch from the list's resourceVersion; resume the watch when the
 * server ends it, list again on 410 Gone or any error (with backoff). Runs
 * until the signal aborts. Unlike client-node's informer it never gives up.
 */
export async function runListWatch<T extends HasResourceVersion>(options: ListWatchOptions<T>): Promise<void> {
  const { client, path, signal } = options;
  let backoffMs = 500;
  while (!signal.aborted) {
    let resourceVersion: string | undefined;
    try {
      const list = await client.request<List<T>>('GET', path, { query: options.query, signal });
      resourceVersion = list.metadata?.resourceVersion;
      options.onList(list.items);
      backoffMs = 500;
      while (!signal.aborted) {
        let expired = false;
        await client.watch<T | Status>(
          path,
          {
            ...options.query,
            resourceVersion,
            allowWatchBookmarks: true,
            // Servers end watches on their own; a few minutes keeps reconnects rare.
            timeoutSeconds: 240 + Math.floor(Math.random() * 60),
          },
          (event) => {
            if (event.type === 'ERROR') {
              expired = true;
              const status = event.object as Status;
              if (status.code !== 410) options.onError?.(`watch ${path}: ${status.message ?? JSON.stringify(status)}`);
              return;
            }
            const object = event.object as T;
            resourceVersion = object.metadata?.resourceVersion ?? resourceVersion;
            if (event.type !== 'BOOKMARK') options.onEvent(event.type, object);
          },
          signal,
        );
        if (expired) break;
      }
    } catch (error) {
      if (signal.aborted) return;
      options.onError?.(`list/watch ${path}: ${describeError(error)}`);
      await delay(backoffMs, signal);
      backoffMs = Math.min(backoffMs * 2, 10_000);
    }
  }
}
