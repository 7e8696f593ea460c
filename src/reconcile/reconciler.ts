import { API_VERSION, KIND } from '../api/constants.ts';
import { applyDefaults } from '../api/defaults.ts';
import type { ModelDeploymentStatus } from '../api/types.ts';
import { desiredRevision, revisionNumber } from '../builders/revision.ts';
import { TerminalError } from '../controller/controller.ts';
import type { Result } from '../controller/controller.ts';
import { ModelDeployments, pathFor } from '../kube/resources.ts';
import { splitKey } from '../kube/object.ts';
import { isNotFound } from '../kube/errors.ts';
import { FIELD_MANAGER } from './apply.ts';
import type { ChildOutcome, ChildReconciler } from './child.ts';
import type { CachedModelDeployment, Deps, ReconcileContext } from './context.ts';
import { deploymentReconciler } from './children/deployment.ts';
import { hpaReconciler } from './children/hpa.ts';
import { serviceReconciler } from './children/service.ts';
import { SpecProblem } from './errors.ts';
import { announce } from './announce.ts';
import { decideRollout } from './rollout.ts';
import { buildStatus, statusChanged } from './status.ts';

/**
 * Reconciles one ModelDeployment: read it and its children from the caches,
 * bring each child to what the spec asks for, decide where the rollout stands,
 * and write status only if it changed. Level-based: every decision comes from
 * what is in the cluster, so any replica can pick up where another stopped.
 *
 * Throws to be retried with backoff; throws TerminalError for problems only a
 * person can fix, after reporting them in status.
 */
export async function reconcileModelDeployment(deps: Deps, key: string): Promise<Result> {
  const { namespace, name } = splitKey(key);
  const md = deps.recent.newest(`md/${key}`, deps.caches.modelDeployments.get(namespace, name));
  // Gone or going: garbage collection removes the children through their owner references.
  if (!md || (md.metadata as { deletionTimestamp?: unknown }).deletionTimestamp) return {};

  const spec = applyDefaults(md.spec);
  const revision = desiredRevision({ metadata: md.metadata, spec }, deps.runtimeImage);
  const log = deps.log.child({ modelDeployment: key, revision: revision.hash });
  const ctx: ReconcileContext = { md, spec, revision, deps, log };

  // Each child is reconciled even when another has a problem a person must
  // fix: one Service in the way must not stop a version rollout. Transient
  // errors stop the pass and are retried with backoff.
  let problem: SpecProblem | undefined;
  const outcomes: Array<{ kind: string; outcome: ChildOutcome<unknown> }> = [];
  const run = async <T>(child: ChildReconciler<T>): Promise<ChildOutcome<T> | undefined> => {
    try {
      const outcome = await child.reconcile(ctx);
      outcomes.push({ kind: child.kind, outcome });
      return outcome;
    } catch (err) {
      if (!(err instanceof SpecProblem)) {
        deps.events.event(md, 'Warning', 'ReconcileError', 'Reconcile', errorText(err));
        throw err;
      }
      problem ??= err;
      return undefined;
    }
  };
  // Children do not depend on each other: write them concurrently.
  const [, deploymentOutcome] = await Promise.all([run(serviceReconciler), run(deploymentReconciler), run(hpaReconciler)]);
  const deployment = deploymentOutcome?.live ?? deps.caches.deployments.get(namespace, name);

  const number = revisionNumber(revision.hash, md.status?.stableRevision, md.status?.history);
  const rollout = decideRollout(revision, number, md.status?.stableRevision, deployment);
  const status = buildStatus({
    md,
    desiredReplicas: spec.replicas,
    revisionHistoryLimit: spec.revisionHistoryLimit,
    deployment,
    rollout,
    ...(problem ? { error: { reason: problem.reason, message: problem.message, terminal: true } } : {}),
    now: deps.now(),
  });
  if (statusChanged(md.status, status)) await writeStatus(deps, md, status);
  announce(deps.events, md, { previous: md.status, next: status, outcomes, rollout, revision, number });

  if (problem) throw new TerminalError(problem.message, { cause: problem });
  return {};
}

async function writeStatus(deps: Deps, md: CachedModelDeployment, status: ModelDeploymentStatus): Promise<void> {
  const { namespace = '', name = '', uid } = md.metadata;
  const body = { apiVersion: API_VERSION, kind: KIND, metadata: { name, namespace, uid }, status };
  try {
    const written = await deps.client.apply<CachedModelDeployment>(pathFor(ModelDeployments, namespace, name, 'status'), body, FIELD_MANAGER, true);
    deps.recent.remember(`md/${namespace}/${name}`, written);
  } catch (err) {
    // Deleted while we worked: nothing left to report on.
    if (!isNotFound(err)) throw err;
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
