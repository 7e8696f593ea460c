import { buildService, serviceName } from '../../builders/service.ts';
import { Services } from '../../kube/resources.ts';
import type { ChildOutcome, ChildReconciler } from '../child.ts';
import { ensureChild } from '../child.ts';
import type { CachedService, ReconcileContext } from '../context.ts';

/** The Service in front of every serving revision. */
export const serviceReconciler: ChildReconciler<CachedService> = {
  kind: Services.kind,
  reconcile(ctx: ReconcileContext): Promise<ChildOutcome<CachedService>> {
    return ensureChild(ctx, Services, ctx.deps.caches.services, serviceName(ctx.md), buildService(ctx.md));
  },
};
