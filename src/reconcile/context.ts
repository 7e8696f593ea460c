import type { Logger } from 'pino';
import type { DefaultedModelDeploymentSpec, ModelDeployment } from '../api/types.ts';
import type { EventRecorder } from '../events/recorder.ts';
import type { KubeClient } from '../kube/client.ts';
import type { ObjectStore } from '../kube/informer.ts';
import type { Cached } from '../kube/object.ts';
import type { V1Deployment, V1Pod, V1Service, V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import type { HealthProber } from '../analysis/health.ts';
import type { MetricsScraper } from '../analysis/scraper.ts';
import type { ObservedRevision } from '../rollout/observe.ts';
import type { RolloutPlan } from '../rollout/plan.ts';
import type { RecentWrites } from './recent-writes.ts';
import type { StatusCoalescer } from './status-coalescing.ts';

export type CachedModelDeployment = Cached<ModelDeployment>;
export type CachedDeployment = Cached<V1Deployment>;
export type CachedService = Cached<V1Service>;
export type CachedHpa = Cached<V2HorizontalPodAutoscaler>;
export type CachedPod = Cached<V1Pod>;

/** The informer caches the reconcile reads from. */
export interface Caches {
  modelDeployments: ObjectStore<CachedModelDeployment>;
  deployments: ObjectStore<CachedDeployment>;
  services: ObjectStore<CachedService>;
  hpas: ObjectStore<CachedHpa>;
  /** Runtime pods: readiness and failures of each revision, and the IPs analysis scrapes. */
  pods: ObjectStore<CachedPod>;
}

/** What the reconcile needs from the outside world; tests pass fakes. */
export interface Deps {
  client: Pick<KubeClient, 'get' | 'apply' | 'mergePatch' | 'delete'>;
  caches: Caches;
  events: EventRecorder;
  recent: RecentWrites;
  /** Holds back the status writes of a first version coming up (status-coalescing.ts). */
  coalescer: Pick<StatusCoalescer, 'statusFor' | 'hold' | 'forget'>;
  log: Logger;
  /** The operator's default runtime image (--runtime-image). */
  runtimeImage: string;
  now: () => Date;
  /** Reads the runtime pods' /metrics for analysis; keeps the previous scrape in memory. */
  analysis: Pick<MetricsScraper, 'measure' | 'forget'>;
  /** Asks a candidate's unready pods why they are not Ready. */
  health: Pick<HealthProber, 'modelFailure'>;
}

/** One pass over one ModelDeployment: what it is and what it asks for. */
export interface ReconcileContext {
  md: CachedModelDeployment;
  spec: DefaultedModelDeploymentSpec;
  deps: Deps;
  log: Logger;
}

/** A pass after the rollout engine decided: what the children are written from. */
export interface PlannedContext extends ReconcileContext {
  plan: RolloutPlan;
  /** Every revision that has a Deployment, as observed before this pass wrote anything. */
  observed: readonly ObservedRevision[];
  /** The Deployments this ModelDeployment controls. */
  owned: readonly CachedDeployment[];
}
