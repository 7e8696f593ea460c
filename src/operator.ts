import type { Logger } from 'pino';
import { API_VERSION, KIND, LABELS } from './api/constants.ts';
import { HealthProber } from './analysis/health.ts';
import { MetricsScraper } from './analysis/scraper.ts';
import { MANAGED_SELECTOR } from './builders/labels.ts';
import { Controller } from './manager/controller.ts';
import type { OperatorMetrics } from './manager/metrics.ts';
import { EventRecorder } from './events/recorder.ts';
import type { KubeClient } from './kube/client.ts';
import { Informer } from './kube/informer.ts';
import type { KubeObject } from './kube/object.ts';
import { controllerOf, keyOf } from './kube/object.ts';
import type { Resource } from './kube/resources.ts';
import { Deployments, HorizontalPodAutoscalers, ModelDeployments, Pods, Services } from './kube/resources.ts';
import { childKey } from './reconcile/child.ts';
import type { Caches, CachedDeployment, CachedHpa, CachedModelDeployment, CachedPod, CachedService, Deps } from './reconcile/context.ts';
import { OWNED } from './reconcile/owned.ts';
import { reconcileModelDeployment } from './reconcile/reconciler.ts';
import { RecentWrites } from './reconcile/recent-writes.ts';
import { StatusCoalescer } from './reconcile/status-coalescing.ts';
import { sleep } from './util/sleep.ts';

export interface OperatorOptions {
  client: KubeClient;
  log: Logger;
  metrics?: OperatorMetrics;
  namespaces: string[];
  runtimeImage: string;
  workers: number;
  resyncPeriodMs: number;
  identity: string;
}

const CONTROLLER_NAME = 'modeldeployment';

/** The operator has already reported on this generation. */
function observed(md: CachedModelDeployment): boolean {
  return md.status?.observedGeneration === md.metadata.generation;
}

function sameAnnotations(a: KubeObject, b: KubeObject): boolean {
  return JSON.stringify(a.metadata.annotations ?? {}) === JSON.stringify(b.metadata.annotations ?? {});
}

/**
 * The ModelDeployment controller, wired like a controller-runtime manager:
 * watch ModelDeployments, own Deployments, Services and HPAs (a child's event
 * requeues its controller owner), reconcile each key with N workers, and
 * requeue every ModelDeployment each resync period.
 */
export class Operator {
  readonly controller: Controller;
  private readonly informers: Informer<KubeObject>[];
  private readonly mds: Informer<CachedModelDeployment>;
  private readonly pods: Informer<CachedPod>;
  private readonly recent = new RecentWrites();
  private readonly opts: OperatorOptions;
  private resync: AbortController | undefined;

  constructor(opts: OperatorOptions) {
    this.opts = opts;
    const { client, log, namespaces } = opts;
    const informer = <T extends KubeObject>(r: Resource, labelSelector?: string) =>
      new Informer<T>(client, r, { namespaces, log, ...(labelSelector ? { labelSelector } : {}) });
    // Children are cached only when labelled as ours, so the cache stays small in busy clusters.
    const caches: Caches = {
      modelDeployments: (this.mds = informer<CachedModelDeployment>(ModelDeployments)),
      deployments: informer<CachedDeployment>(Deployments, MANAGED_SELECTOR),
      services: informer<CachedService>(Services, MANAGED_SELECTOR),
      hpas: informer<CachedHpa>(HorizontalPodAutoscalers, MANAGED_SELECTOR),
      // Runtime pods tell the rollout engine what Deployments do not: why a revision does not come up,
      // and where to read /metrics from.
      pods: (this.pods = informer<CachedPod>(Pods, MANAGED_SELECTOR)),
    };
    const owned = OWNED.map((child) => ({ resource: child.resource, informer: child.cache(caches) as unknown as Informer<KubeObject> }));
    this.informers = [this.mds as Informer<KubeObject>, ...owned.map((o) => o.informer), this.pods as unknown as Informer<KubeObject>];
    const deps: Deps = {
      client,
      caches,
      events: new EventRecorder({ client, log, instance: opts.identity }),
      recent: this.recent,
      coalescer: new StatusCoalescer(),
      log,
      runtimeImage: opts.runtimeImage,
      now: () => new Date(),
      analysis: new MetricsScraper(),
      health: new HealthProber(),
    };
    this.controller = new Controller({
      name: CONTROLLER_NAME,
      reconcile: (key, pass) => reconcileModelDeployment(deps, key, pass.log),
      workers: opts.workers,
      log: log.child({ controller: CONTROLLER_NAME }),
      ...(opts.metrics ? { metrics: opts.metrics } : {}),
    });
    // For(ModelDeployment).Owns(Deployment).Owns(Service).Owns(HorizontalPodAutoscaler).Watches(Pod).
    this.watchFor();
    for (const { resource, informer } of owned) this.owns(resource, informer);
    this.watchPods();
  }

  /** The ModelDeployments themselves. */
  private watchFor(): void {
    // What a person changed (a new or edited spec, an annotation) goes before
    // status refreshes, so an apply is acted on even while a thousand
    // Deployments report progress.
    this.mds.on({
      add: (obj) => this.controller.enqueue(keyOf(obj), observed(obj) ? 'normal' : 'high'),
      update: (old, obj) => {
        this.recent.observed(`md/${keyOf(obj)}`, obj);
        const changed = old.metadata.generation !== obj.metadata.generation || !sameAnnotations(old, obj);
        this.controller.enqueue(keyOf(obj), changed ? 'high' : 'normal');
      },
      delete: (obj) => this.recent.forget(`md/${keyOf(obj)}`),
    });
  }

  /** A child kind: its events requeue the ModelDeployment that controls it, and refresh our memo of our writes. */
  private owns(resource: Resource, informer: Informer<KubeObject>): void {
    const toOwner = (obj: KubeObject) => {
      const owner = controllerOf(obj);
      if (owner?.kind === KIND && owner.apiVersion === API_VERSION) this.controller.enqueue(`${obj.metadata.namespace}/${owner.name}`);
    };
    const memo = (obj: KubeObject) => childKey(resource, obj.metadata.namespace ?? '', obj.metadata.name ?? '');
    informer.on({
      add: (obj) => {
        this.recent.observed(memo(obj), obj);
        toOwner(obj);
      },
      update: (old, obj) => {
        this.recent.observed(memo(obj), obj);
        toOwner(obj);
        // A changed controller reference must wake the previous owner too.
        if (controllerOf(old)?.uid !== controllerOf(obj)?.uid) toOwner(old);
      },
      delete: (obj) => {
        // What we wrote is gone: the next reconcile must not trust our memo of it.
        this.recent.forget(memo(obj));
        toOwner(obj);
      },
    });
  }

  /**
   * A pod's controller is its ReplicaSet, not the ModelDeployment, so pods map
   * to their ModelDeployment by the modelship.io/deployment label. Only
   * changes the rollout engine reads wake it: readiness, restarts, an IP,
   * deletion; not every status heartbeat.
   */
  private watchPods(): void {
    const toModelDeployment = (pod: CachedPod) => {
      const md = pod.metadata.labels?.[LABELS.deployment];
      if (md && pod.metadata.namespace) this.controller.enqueue(`${pod.metadata.namespace}/${md}`);
    };
    this.pods.on({
      add: toModelDeployment,
      update: (old, pod) => {
        if (podSignature(old) !== podSignature(pod)) toModelDeployment(pod);
      },
      delete: toModelDeployment,
    });
  }

  hasSynced(): boolean {
    return this.informers.every((i) => i.hasSynced());
  }

  /** Starts the informers, waits for their first lists, then starts the workers and the resync loop. */
  async start(signal: AbortSignal): Promise<void> {
    for (const i of this.informers) i.start();
    while (!this.hasSynced() && !signal.aborted) await sleep(50, signal);
    if (signal.aborted) return;
    this.opts.log.info({ modelDeployments: this.mds.list().length }, 'caches synced; starting workers');
    this.controller.start();
    this.resync = new AbortController();
    void this.resyncLoop(this.resync.signal);
  }

  /** Stops taking work, waits for reconciles in flight, then stops the informers. */
  async stop(): Promise<void> {
    this.resync?.abort();
    await this.controller.stop();
    await Promise.all(this.informers.map((i) => i.stop()));
  }

  /**
   * Every period, requeue every ModelDeployment: a missed event, an informer
   * restart or a terminal error that a change elsewhere has since resolved is
   * caught within one period. A reconcile that finds nothing to change writes nothing.
   */
  private async resyncLoop(signal: AbortSignal): Promise<void> {
    for (;;) {
      // ±10% jitter so many operators (or a restart storm) do not resync in lockstep.
      await sleep(this.opts.resyncPeriodMs * (0.9 + Math.random() * 0.2), signal);
      if (signal.aborted) return;
      this.recent.prune();
      for (const md of this.mds.list()) this.controller.enqueue(keyOf(md));
    }
  }
}

/** What the reconcile reads of a pod; a change in anything else does not need a reconcile. */
function podSignature(pod: CachedPod): string {
  const s = pod.status;
  return JSON.stringify([
    (pod.metadata as { deletionTimestamp?: unknown }).deletionTimestamp,
    s?.phase,
    s?.podIP,
    s?.conditions?.find((c) => c.type === 'Ready')?.status,
    [...(s?.initContainerStatuses ?? []), ...(s?.containerStatuses ?? [])].map((c) => [c.name, c.restartCount, c.ready, Object.keys(c.state ?? {})[0], c.lastState?.terminated?.exitCode]),
  ]);
}
