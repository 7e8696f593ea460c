import type { V1Pod } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { API_VERSION, KIND, LABELS } from '../api/constants.ts';
import { applyDefaults } from '../api/defaults.ts';
import type { ModelDeploymentStatus } from '../api/types.ts';
import { HealthProber } from '../analysis/health.ts';
import type { PodTarget } from '../analysis/scraper.ts';
import { HTTP_PORT } from '../builders/paths.ts';
import { desiredRevision } from '../builders/revision.ts';
import { TerminalError } from '../manager/controller.ts';
import type { Result } from '../manager/controller.ts';
import { isNotFound } from '../kube/errors.ts';
import { controllerOf, splitKey } from '../kube/object.ts';
import { Deployments, ModelDeployments, pathFor } from '../kube/resources.ts';
import { observeRevisions } from '../rollout/observe.ts';
import type { RolloutInput, RolloutPlan } from '../rollout/plan.ts';
import { planRollout } from '../rollout/plan.ts';
import type { EventRecorder } from '../events/recorder.ts';
import { announce } from './announce.ts';
import { FIELD_MANAGER } from './apply.ts';
import type { ChildOutcome } from './child.ts';
import type { CachedDeployment, CachedModelDeployment, CachedPod, Deps, PlannedContext, ReconcileContext } from './context.ts';
import { orderRevisions } from './children/deployment.ts';
import { OWNED } from './owned.ts';
import { SpecProblem } from './errors.ts';
import { buildStatus, statusChanged } from './status.ts';

/** How soon to ask a candidate's unready pods again why they are not Ready. */
const HEALTH_RECHECK_MS = 2000;

/**
 * Reconciles one ModelDeployment: observe its revisions (Deployments and pods
 * from the caches), let the rollout engine (src/rollout/plan.ts) decide, take
 * the measurements it asks for, and write what it decided. Level-based: every
 * decision comes from what is in the cluster, so any replica can pick up where
 * another stopped.
 *
 * Order of writes, so that a crash at any point leaves nothing unsafe:
 * 1. what grows or appears (Services, new or larger revision Deployments, the
 *    HPA): the same cluster state plans it again;
 * 2. the status (the decision: steps, stable, history), then the one-shot
 *    annotations acted on. It claims nothing step 3 has yet to do: while a
 *    shrink is pending it stays InProgress (ScalingDown) and keeps the
 *    retiring revision, and the pass that observes the smaller Deployment
 *    (our own write wakes it) says Ready. While a first version comes up
 *    and nothing is wrong, its progress is held back up to a window and the
 *    newest state written (status-coalescing.ts): a later state, never an
 *    earlier claim;
 * 3. what shrinks or goes. A rolled-back canary is never scaled up again by a
 *    pass that did not see its rollback.
 *
 * Throws to be retried with backoff; throws TerminalError for problems only a
 * person can fix, after reporting them in status.
 */
export async function reconcileModelDeployment(deps: Deps, key: string, passLog: Logger = deps.log): Promise<Result> {
  const { namespace, name } = splitKey(key);
  const stored = deps.recent.newest(`md/${key}`, deps.caches.modelDeployments.get(namespace, name));
  // Gone or going: garbage collection removes the children through their owner references.
  if (!stored || (stored.metadata as { deletionTimestamp?: unknown }).deletionTimestamp) {
    deps.analysis.forget(key);
    deps.coalescer.forget(key);
    return {};
  }
  // Planned from the status this operator last decided, written or still held back (status-coalescing.ts).
  const decided = deps.coalescer.statusFor(key, stored.status);
  const md: CachedModelDeployment = decided === stored.status || !decided ? stored : { ...stored, status: decided };

  const spec = applyDefaults(md.spec);
  const revision = desiredRevision({ metadata: md.metadata, spec }, deps.runtimeImage);
  // passLog carries the reconcile ID: every line of this pass, Events that fail to post included, has it.
  const log = passLog.child({ modelDeployment: key, revision: revision.hash });
  const events = deps.events.loggingTo(log);

  // Observe and decide.
  const owned = ownedDeployments(deps, md);
  const pods = deps.caches.pods.list(namespace).filter((p) => p.metadata.labels?.[LABELS.deployment] === name);
  const observed = observeRevisions(owned, pods);
  const input: RolloutInput = { now: deps.now(), spec, status: md.status, annotations: md.metadata.annotations, desired: revision, observed };
  const { plan, requeueAfterMs: planWait } = await decide(deps, key, log, input, pods);
  const ctx: PlannedContext = { md, spec, deps, log, plan, observed, owned };
  const writes = new ChildWrites(md, events);

  // 1. What grows or appears. Children do not depend on each other: written concurrently.
  await Promise.all(OWNED.map((child) => writes.settle(child.resource.kind, child.grow(ctx))));

  // 2. The decision.
  const problem = writes.problem;
  const error = problem ? { error: { reason: problem.reason, message: problem.message, terminal: true } } : {};
  // The Deployments the shrink phase will make smaller: the status must not claim them done yet.
  const shrinking = orderRevisions(plan.revisions, observed).shrink;
  const status = buildStatus({ md, spec, plan, observed, shrinking, now: deps.now(), ...error });
  const heldFor = await settleStatus(deps, key, stored, status, plan.consumed.length > 0);
  if (plan.consumed.length) await removeAnnotations(deps, md, plan.consumed);

  // 3. What shrinks or goes.
  await Promise.all(OWNED.map((child) => writes.settle(child.resource.kind, child.shrink(ctx))));

  announce(events, md, { previous: md.status, next: status, outcomes: writes.outcomes, rollout: plan.events });
  if (writes.problem) throw new TerminalError(writes.problem.message, { cause: writes.problem });
  const waits = [planWait, heldFor].filter((w): w is number => w !== undefined);
  return waits.length ? { requeueAfterMs: Math.min(...waits) } : {};
}

/**
 * Writes the status, unless it says what is stored already, or is a first version's progress the
 * coalescer holds back (then returns how soon the pass must run again to write it).
 */
async function settleStatus(deps: Deps, key: string, stored: CachedModelDeployment, status: ModelDeploymentStatus, consumed: boolean): Promise<number | undefined> {
  if (!statusChanged(stored.status, status)) {
    deps.coalescer.forget(key);
    return undefined;
  }
  const heldFor = deps.coalescer.hold(key, stored.status, status, consumed);
  if (heldFor === undefined) await writeStatus(deps, stored, status);
  return heldFor;
}

/**
 * What the children's writes came to. Each child is reconciled even when
 * another has a problem a person must fix: one Service in the way must not
 * stop a version rollout. Transient errors stop the pass and are retried with
 * backoff.
 */
class ChildWrites {
  readonly outcomes: Array<{ kind: string; outcome: ChildOutcome<unknown> }> = [];
  problem: SpecProblem | undefined;
  private readonly md: CachedModelDeployment;
  private readonly events: Pick<EventRecorder, 'event'>;

  constructor(md: CachedModelDeployment, events: Pick<EventRecorder, 'event'>) {
    this.md = md;
    this.events = events;
  }

  async settle(kind: string, writes: Array<Promise<ChildOutcome<unknown>>>): Promise<void> {
    for (const result of await Promise.allSettled(writes)) {
      if (result.status === 'fulfilled') this.outcomes.push({ kind, outcome: result.value });
      else if (result.reason instanceof SpecProblem) this.problem ??= result.reason;
      else {
        this.events.event(this.md, 'Warning', 'ReconcileError', 'Reconcile', errorText(result.reason));
        throw result.reason;
      }
    }
  }
}

/**
 * The rollout plan, with what the engine cannot see from the caches: why a
 * candidate's unready pods are not Ready (a model that failed to load says so,
 * and the candidate rolls back at once instead of at its deadline), and an
 * analysis measurement when one is due.
 */
async function decide(deps: Deps, key: string, log: ReconcileContext['log'], base: RolloutInput, pods: readonly CachedPod[]): Promise<{ plan: RolloutPlan; requeueAfterMs?: number }> {
  let input = base;
  let plan = planRollout(input);
  const waits: number[] = [];

  const candidate = plan.status.canaryRevision?.hash;
  const candidatePods = pods.filter((p) => candidate !== undefined && p.metadata.labels?.[LABELS.revision] === candidate);
  if (candidate && HealthProber.hasUnready(candidatePods)) {
    waits.push(HEALTH_RECHECK_MS);
    const known = input.observed.find((o) => o.hash === candidate)?.failure;
    const failure = known ? undefined : await deps.health.modelFailure(candidatePods);
    if (failure) {
      input = { ...input, observed: input.observed.map((o) => (o.hash === candidate ? { ...o, failure } : o)) };
      plan = planRollout(input);
    }
  }

  if (plan.analysis) {
    const wanted = plan.analysis;
    const measured = await deps.analysis.measure(key, { ...wanted, pods: podTargets(pods) });
    if (measured.scrapeErrors.length) log.debug({ errors: measured.scrapeErrors }, 'could not read some runtime pods\' /metrics');
    if (measured.measurement) {
      log.info({ measurement: measured.measurement }, 'analysis measurement');
      plan = planRollout({ ...input, measurement: { hash: wanted.candidate, measurement: measured.measurement } });
    }
    if (plan.analysis) waits.push(measured.nextInMs + 50);
  } else {
    deps.analysis.forget(key);
  }
  if (plan.requeueAfterMs !== undefined) waits.push(plan.requeueAfterMs);
  return { plan, ...(waits.length ? { requeueAfterMs: Math.min(...waits) } : {}) };
}

/** The Deployments this ModelDeployment controls, each the newer of the cache and our own last write. */
function ownedDeployments(deps: Deps, md: CachedModelDeployment): CachedDeployment[] {
  const namespace = md.metadata.namespace ?? '';
  return deps.caches.deployments
    .list(namespace)
    .filter((d) => {
      const owner = controllerOf(d);
      return owner?.kind === KIND && owner.uid === md.metadata.uid;
    })
    .map((d) => deps.recent.newest(`${Deployments.plural}/${namespace}/${d.metadata.name}`, d) ?? d);
}

/** Ready runtime pods with an IP: what analysis scrapes. */
function podTargets(pods: readonly V1Pod[]): PodTarget[] {
  const out: PodTarget[] = [];
  for (const p of pods) {
    const ip = p.status?.podIP;
    const ready = p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
    const revision = p.metadata?.labels?.[LABELS.revision];
    if (!ip || !ready || !revision || p.metadata?.deletionTimestamp) continue;
    const host = ip.includes(':') ? `[${ip}]` : ip;
    out.push({ uid: p.metadata?.uid ?? p.metadata?.name ?? ip, name: p.metadata?.name ?? ip, hostPort: `${host}:${HTTP_PORT}`, revision });
  }
  return out;
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

/**
 * Removes the one-shot control annotations acted on, after the status that
 * records what they asked for is written. Without a resourceVersion
 * precondition: a conflict would make the retry act on the same annotation
 * again (a second step for promote=step), which is worse than missing a value
 * someone set again in the same instant.
 */
async function removeAnnotations(deps: Deps, md: CachedModelDeployment, keys: readonly string[]): Promise<void> {
  const { namespace = '', name = '' } = md.metadata;
  const patch = { metadata: { annotations: Object.fromEntries(keys.map((k) => [k, null])) } };
  try {
    const written = await deps.client.mergePatch<CachedModelDeployment>(pathFor(ModelDeployments, namespace, name), patch, { query: { fieldManager: FIELD_MANAGER } });
    deps.recent.remember(`md/${namespace}/${name}`, written);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
