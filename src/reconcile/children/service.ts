import type { ServiceTargets } from '../../builders/service.ts';
import { buildServices } from '../../builders/service.ts';
import { Services } from '../../kube/resources.ts';
import type { ChildOutcome } from '../child.ts';
import { ensureChild } from '../child.ts';
import type { CachedService, ReconcileContext } from '../context.ts';

/**
 * The Services a strategy uses (`wanted`: the main one, -stable, and -canary
 * or -preview), or the removal of those it does not (`unwanted`).
 */
export function applyServices(ctx: ReconcileContext, targets: ServiceTargets, which: 'wanted' | 'unwanted'): Array<Promise<ChildOutcome<CachedService>>> {
  const services = buildServices({ metadata: ctx.md.metadata, spec: ctx.md.spec }, targets, ctx.spec.rollout.strategy);
  return services
    .filter((s) => (which === 'wanted') === (s.desired !== undefined))
    .map((s) => ensureChild(ctx, Services, ctx.deps.caches.services, s.name, s.desired));
}
