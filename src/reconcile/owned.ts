import type { ChildReconciler } from './child.ts';
import { deploymentReconciler } from './children/deployment.ts';
import { hpaReconciler } from './children/hpa.ts';
import { serviceReconciler } from './children/service.ts';

/**
 * What a ModelDeployment owns, one sub-reconciler per kind: the reconcile
 * writes each of them, and the operator watches each kind and maps its events
 * to the controlling ModelDeployment (controller-runtime's Owns()).
 */
export const OWNED: readonly ChildReconciler[] = [serviceReconciler, deploymentReconciler, hpaReconciler] as unknown as readonly ChildReconciler[];
