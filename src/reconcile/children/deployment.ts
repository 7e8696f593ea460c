import { LABELS } from '../../api/constants.ts';
import { buildDeployment } from '../../builders/deployment.ts';
import { Deployments } from '../../kube/resources.ts';
import type { ObservedRevision } from '../../rollout/observe.ts';
import type { RevisionPlan } from '../../rollout/plan.ts';
import type { ChildOutcome, ChildReconciler } from '../child.ts';
import { ensureChild } from '../child.ts';
import type { CachedDeployment, PlannedContext } from '../context.ts';

/**
 * The revision Deployments of a plan in the order they are safe to write:
 * `grow` (new, larger or unchanged in size) before the status records the
 * decision, `shrink` after it. So capacity is added before it is taken away,
 * and a canary rolled back in this pass is never scaled up again by a pass
 * that did not see its rollback.
 */
export function orderRevisions(plan: readonly RevisionPlan[], observed: readonly ObservedRevision[]): { grow: RevisionPlan[]; shrink: RevisionPlan[] } {
  const current = new Map(observed.map((o) => [o.hash, o.replicas]));
  const shrinks = (r: RevisionPlan) => r.replicas < (current.get(r.hash) ?? 0);
  return { grow: plan.filter((r) => !shrinks(r)), shrink: plan.filter(shrinks) };
}

/** One Deployment per revision the plan keeps, each at its planned size; the ones it drops are deleted. */
export const deploymentReconciler: ChildReconciler<CachedDeployment> = {
  resource: Deployments,
  cache: (caches) => caches.deployments,
  grow(ctx) {
    return applyRevisions(ctx, orderRevisions(ctx.plan.revisions, ctx.observed).grow);
  },
  shrink(ctx) {
    const byHash = new Map(ctx.owned.map((d) => [d.metadata.labels?.[LABELS.revision] ?? '', d.metadata.name ?? '']));
    const gone = ctx.plan.remove.map((h) => byHash.get(h) ?? '').filter(Boolean);
    return [...applyRevisions(ctx, orderRevisions(ctx.plan.revisions, ctx.observed).shrink), ...removeRevisions(ctx, gone)];
  },
};

/** Brings each revision's Deployment to its planned size, built from the revision itself. */
function applyRevisions(ctx: PlannedContext, revisions: readonly RevisionPlan[]): Array<Promise<ChildOutcome<CachedDeployment>>> {
  return revisions.map((revision) => {
    const desired = buildDeployment(ctx.md, { revision, number: revision.number, replicas: revision.replicas });
    return ensureChild(ctx, Deployments, ctx.deps.caches.deployments, desired.metadata?.name ?? '', desired);
  });
}

/** Deletes the Deployments of revisions older than revisionHistoryLimit keeps. */
function removeRevisions(ctx: PlannedContext, names: readonly string[]): Array<Promise<ChildOutcome<CachedDeployment>>> {
  return names.map((name) => ensureChild(ctx, Deployments, ctx.deps.caches.deployments, name, undefined));
}
