import { KIND } from '../api/constants.ts';
import { isInvalid, isNotFound } from '../kube/errors.ts';
import type { ObjectStore } from '../kube/informer.ts';
import type { KubeObject } from '../kube/object.ts';
import { controllerOf } from '../kube/object.ts';
import type { Resource } from '../kube/resources.ts';
import { pathFor } from '../kube/resources.ts';
import { APPLIED_HASH, FIELD_MANAGER, needsApply, withAppliedHash } from './apply.ts';
import type { Caches, PlannedContext, ReconcileContext } from './context.ts';
import { asSpecProblem, childConflict } from './errors.ts';

/** What happened to a child in this pass; the reconcile turns some of these into Events. */
export type ChildAction = 'unchanged' | 'created' | 'updated' | 'restored' | 'deleted';

export interface ChildOutcome<T> {
  /** The child as it is now (after our write, if we made one); undefined when it should not exist. */
  live: T | undefined;
  /** The child as it was before this pass's write, when there was one. */
  previous?: T;
  action: ChildAction;
}

/**
 * One kind of child (Deployment, Service, HPA) behind one interface, as in
 * KServe's sub-reconcilers: the top-level reconcile runs every child's `grow`
 * before the status records the decision and every child's `shrink` after it
 * (see reconciler.ts for why), and gathers what they did for the Events.
 * The operator watches exactly the kinds listed in OWNED (reconcile/owned.ts),
 * so adding a child kind means adding one of these there.
 */
export interface ChildReconciler<T extends KubeObject = KubeObject> {
  readonly resource: Resource;
  /** The informer cache of this kind. */
  cache(caches: Caches): ObjectStore<T>;
  /** Writes that add capacity or objects: safe before the status is written. */
  grow(ctx: PlannedContext): Array<Promise<ChildOutcome<T>>>;
  /** Writes that take capacity or objects away: only after the status records why. */
  shrink(ctx: PlannedContext): Array<Promise<ChildOutcome<T>>>;
}

/** The memo key of a child in RecentWrites. */
export function childKey(resource: Resource, namespace: string, name: string): string {
  return `${resource.plural}/${namespace}/${name}`;
}

/**
 * Brings one child to `desired` with server-side apply, or deletes it when
 * `desired` is undefined. Reads from the cache and writes only when the
 * object differs in a field we own.
 */
export async function ensureChild<T extends KubeObject>(
  ctx: ReconcileContext,
  resource: Resource,
  cache: ObjectStore<T>,
  name: string,
  desired: object | undefined,
): Promise<ChildOutcome<T>> {
  const { md, deps } = ctx;
  const namespace = md.metadata.namespace ?? '';
  const path = pathFor(resource, namespace, name);
  const key = childKey(resource, namespace, name);
  let live = deps.recent.newest(key, cache.get(namespace, name));

  if (!desired) {
    if (!live || !isOurs(live, md.metadata.uid)) return { live: undefined, action: 'unchanged' };
    try {
      await deps.client.delete(path, { body: { preconditions: { uid: live.metadata.uid }, propagationPolicy: 'Background' } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    deps.recent.forget(key);
    return { live: undefined, previous: live, action: 'deleted' };
  }

  // The cache holds only objects labelled as ours. A miss may be a foreign
  // object with our name, which a forced apply would silently take over.
  if (!live) live = await getOrUndefined<T>(deps.client, path);
  if (live && !isOurs(live, md.metadata.uid)) {
    const owner = controllerOf(live);
    throw childConflict(resource.kind, name, owner ? `${owner.kind} ${owner.name}` : undefined);
  }

  const body = withAppliedHash(desired) as KubeObject;
  if (!needsApply(live, body)) return { live, action: 'unchanged' };
  let applied: T;
  try {
    applied = await deps.client.apply<T>(path, body, FIELD_MANAGER, true);
  } catch (err) {
    if (!live || !isInvalid(err)) throw asSpecProblem(err, resource.kind, name);
    applied = await overwriteThenApply<T>(deps.client, path, body).catch((again: unknown) => {
      throw asSpecProblem(again, resource.kind, name);
    });
  }
  deps.recent.remember(key, applied);
  const action: ChildAction = !live ? 'created' : sameHash(live, body) ? 'restored' : 'updated';
  ctx.log.info({ kind: resource.kind, name, action }, 'applied child');
  return { live: applied, ...(live ? { previous: live } : {}), action };
}

/**
 * Apply cannot undo every hand edit. A list item whose key someone changed
 * (a Service port edited from 80 to 81) is a new item owned by them; applying
 * ours back collides with it (duplicate port name) and the server refuses. A
 * merge patch replaces lists wholesale, which puts our items back; the apply
 * after it takes the fields over under our field manager again.
 */
async function overwriteThenApply<T>(client: ReconcileContext['deps']['client'], path: string, body: KubeObject): Promise<T> {
  const { metadata, ...rest } = body as KubeObject & Record<string, unknown>;
  await client.mergePatch(path, { ...rest, metadata: { labels: metadata.labels, annotations: metadata.annotations } }, { query: { fieldManager: FIELD_MANAGER } });
  return client.apply<T>(path, body, FIELD_MANAGER, true);
}

function isOurs(obj: KubeObject, uid: string | undefined): boolean {
  const owner = controllerOf(obj);
  return owner?.kind === KIND && owner.uid === uid;
}

/** Same intent as last time, yet it differed: someone edited or removed what we own. */
function sameHash(live: KubeObject, body: KubeObject): boolean {
  return live.metadata.annotations?.[APPLIED_HASH] === body.metadata.annotations?.[APPLIED_HASH];
}

async function getOrUndefined<T>(client: ReconcileContext['deps']['client'], path: string): Promise<T | undefined> {
  try {
    return await client.get<T>(path);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}
