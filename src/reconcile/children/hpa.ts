import { buildHpa, hpaName } from '../../builders/hpa.ts';
import { HorizontalPodAutoscalers } from '../../kube/resources.ts';
import type { ChildOutcome, ChildReconciler } from '../child.ts';
import { ensureChild } from '../child.ts';
import type { CachedHpa, ReconcileContext } from '../context.ts';

/** The autoscaler when spec.autoscaling is set; removed again when it is unset. */
export const hpaReconciler: ChildReconciler<CachedHpa> = {
  kind: HorizontalPodAutoscalers.kind,
  reconcile(ctx: ReconcileContext): Promise<ChildOutcome<CachedHpa>> {
    const desired = buildHpa({ metadata: ctx.md.metadata, spec: ctx.spec });
    return ensureChild(ctx, HorizontalPodAutoscalers, ctx.deps.caches.hpas, hpaName(ctx.md), desired);
  },
};
