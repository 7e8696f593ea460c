import type { Logger } from 'pino';
import { API_VERSION, KIND } from './api/constants.ts';
import { MANAGED_SELECTOR } from './builders/labels.ts';
import { Controller } from './controller/controller.ts';
import type { OperatorMetrics } from './controller/metrics.ts';
import { EventRecorder } from './events/recorder.ts';
import type { KubeClient } from './kube/client.ts';
import { Informer } from './kube/informer.ts';
import type { KubeObject } from './kube/object.ts';
import { controllerOf, keyOf } from './kube/object.ts';
import type { Resource } from './kube/resources.ts';
import { Deployments, HorizontalPodAutoscalers, ModelDeployments, Services } from './kube/resources.ts';
import { childKey } from './reconcile/child.ts';
import type { Caches, CachedDeployment, CachedHpa, CachedModelDeployment, CachedService, Deps } from './reconcile/context.ts';
import { reconcileModelDeployment } from './reconcile/reconciler.ts';
import { RecentWrites } from './reconcile/recent-writes.ts';
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

export const CONTROLLER_NAME = 'modeldeployment';

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
  private readonly children: Array<[Resource, Informer<KubeObject>]>;
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
    };
    this.children = [
      [Deployments, caches.deployments as unknown as Informer<KubeObject>],
      [Services, caches.services as unknown as Informer<KubeObject>],
      [HorizontalPodAutoscalers, caches.hpas as unknown as Informer<KubeObject>],
    ];
    this.informers = [this.mds as Informer<KubeObject>, ...this.children.map(([, i]) => i)];
    const deps: Deps = {
      client,
      caches,
      events: new EventRecorder({ client, log, instance: opts.identity }),
      recent: this.recent,
      log,
      runtimeImage: opts.runtimeImage,
      now: () => new Date(),
    };
    this.controller = new Controller({
      name: CONTROLLER_NAME,
      reconcile: (key) => reconcileModelDeployment(deps, key),
      workers: opts.workers,
      log: log.child({ controller: CONTROLLER_NAME }),
      ...(opts.metrics ? { metrics: opts.metrics } : {}),
    });
    this.watch();
  }

  private watch(): void {
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
    for (const [resource, informer] of this.children) {
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
