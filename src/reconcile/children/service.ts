import { buildServices } from '../../builders/service.ts';
import { Services } from '../../kube/resources.ts';
import type { ChildOutcome, ChildReconciler } from '../child.ts';
import { ensureChild } from '../child.ts';
import type { CachedService, PlannedContext } from '../context.ts';

/**
 * The Services a strategy uses (the main one, -stable, and -canary or
 * -preview), each selecting the revision the plan routes to it; those the
 * strategy does not use go only after the status is written.
 */
export const serviceReconciler: ChildReconciler<CachedService> = {
  resource: Services,
  cache: (caches) => caches.services,
  grow: (ctx) => applyServices(ctx, 'wanted'),
  shrink: (ctx) => applyServices(ctx, 'unwanted'),
};

function applyServices(ctx: PlannedContext, which: 'wanted' | 'unwanted'): Array<Promise<ChildOutcome<CachedService>>> {
  const { main, stable, candidate } = ctx.plan.routing;
  const targets = { ...(main ? { main } : {}), stable, candidate };
  const services = buildServices({ metadata: ctx.md.metadata, spec: ctx.md.spec }, targets, ctx.spec.rollout.strategy);
  return services
    .filter((s) => (which === 'wanted') === (s.desired !== undefined))
    .map((s) => ensureChild(ctx, Services, ctx.deps.caches.services, s.name, s.desired));
}
