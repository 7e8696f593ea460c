import { buildHpa, hpaName } from '../../builders/hpa.ts';
import { HorizontalPodAutoscalers } from '../../kube/resources.ts';
import type { ChildReconciler } from '../child.ts';
import { ensureChild } from '../child.ts';
import type { CachedHpa } from '../context.ts';

/**
 * The autoscaler when spec.autoscaling is set; removed again when it is unset.
 * Both happen in the grow phase: the HPA sizes spec.replicas, not pods, so
 * removing it takes no capacity away.
 */
export const hpaReconciler: ChildReconciler<CachedHpa> = {
  resource: HorizontalPodAutoscalers,
  cache: (caches) => caches.hpas,
  grow(ctx) {
    const desired = buildHpa({ metadata: ctx.md.metadata, spec: ctx.spec });
    return [ensureChild(ctx, HorizontalPodAutoscalers, ctx.deps.caches.hpas, hpaName(ctx.md), desired)];
  },
  shrink: () => [],
};
