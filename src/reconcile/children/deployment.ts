import { buildDeployment, deploymentName } from '../../builders/deployment.ts';
import { Deployments } from '../../kube/resources.ts';
import type { ChildOutcome, ChildReconciler } from '../child.ts';
import { ensureChild } from '../child.ts';
import type { CachedDeployment, ReconcileContext } from '../context.ts';

/**
 * The Deployment running the spec's revision, sized by spec.replicas (which an
 * HPA may drive through /scale). A new revision changes the pod template, and
 * the Deployment controller rolls the pods over.
 */
export const deploymentReconciler: ChildReconciler<CachedDeployment> = {
  kind: Deployments.kind,
  reconcile(ctx: ReconcileContext): Promise<ChildOutcome<CachedDeployment>> {
    const desired = buildDeployment({ metadata: ctx.md.metadata, spec: ctx.spec }, { revision: ctx.revision, replicas: ctx.spec.replicas });
    return ensureChild(ctx, Deployments, ctx.deps.caches.deployments, deploymentName(ctx.md), desired);
  },
};
