// Fakes for unit tests of the reconcile's own logic (which child is written in which phase, in what
// order): an API client that records every write and answers as the server would, and caches that are
// plain maps. The behaviour against a real API server is tested on the proving ground (test/operator).
import pino from 'pino';
import { applyDefaults } from '../../src/api/defaults.ts';
import type { ModelDeploymentSpec } from '../../src/api/types.ts';
import { ApiError } from '../../src/kube/errors.ts';
import type { ObjectStore } from '../../src/kube/informer.ts';
import type { KubeObject } from '../../src/kube/object.ts';
import type { Caches, CachedModelDeployment, Deps, PlannedContext } from '../../src/reconcile/context.ts';
import { StatusCoalescer } from '../../src/reconcile/status-coalescing.ts';
import { RecentWrites } from '../../src/reconcile/recent-writes.ts';
import type { RolloutPlan } from '../../src/rollout/plan.ts';

export const IMAGE = 'registry.example/runtime:1';

/** What the fake API server was asked to do, in order. */
export interface Write {
  verb: 'apply' | 'mergePatch' | 'delete';
  path: string;
  body?: unknown;
}

export class FakeClient {
  readonly writes: Write[] = [];
  /** Objects that exist but are not in any cache (someone else's), by path. */
  readonly foreign = new Map<string, KubeObject>();

  async get<T>(path: string): Promise<T> {
    const found = this.foreign.get(path);
    if (!found) throw new ApiError(404, `${path} not found`, 'NotFound');
    return found as T;
  }

  async apply<T>(path: string, body: unknown): Promise<T> {
    this.writes.push({ verb: 'apply', path, body });
    const obj = structuredClone(body) as KubeObject;
    obj.metadata.uid ??= `uid-${obj.metadata.name}`;
    return obj as T;
  }

  async mergePatch<T>(path: string, body: unknown): Promise<T> {
    this.writes.push({ verb: 'mergePatch', path, body });
    return { metadata: { name: path.split('/').pop() } } as T;
  }

  async delete<T>(path: string): Promise<T> {
    this.writes.push({ verb: 'delete', path });
    return {} as T;
  }

  /** "apply Deployment fraud-abc (3)", "delete services/fraud-stable": short forms to assert on. */
  summary(): string[] {
    return this.writes.map((w) => {
      const name = w.path.split('/').slice(-2).join('/');
      const replicas = (w.body as { spec?: { replicas?: number } } | undefined)?.spec?.replicas;
      return `${w.verb} ${name}${w.verb === 'apply' && replicas !== undefined ? ` (${replicas})` : ''}`;
    });
  }
}

export class MapStore<T extends KubeObject> implements ObjectStore<T> {
  readonly items = new Map<string, T>();

  constructor(items: readonly T[] = []) {
    for (const i of items) this.items.set(`${i.metadata.namespace}/${i.metadata.name}`, i);
  }

  get(namespace: string, name: string): T | undefined {
    return this.items.get(`${namespace}/${name}`);
  }

  list(namespace?: string): T[] {
    return [...this.items.values()].filter((i) => namespace === undefined || i.metadata.namespace === namespace);
  }
}

/** A child as the cache would hold it: labelled and controlled by the ModelDeployment `modelDeployment()` makes. */
export function ownedChild<T extends KubeObject>(kind: string, name: string, extra: Partial<KubeObject> & Record<string, unknown> = {}): T {
  return {
    apiVersion: kind === 'Deployment' ? 'apps/v1' : 'v1',
    kind,
    ...extra,
    metadata: {
      name,
      namespace: 'ml',
      uid: `uid-${name}`,
      ownerReferences: [{ apiVersion: 'modelship.io/v1alpha1', kind: 'ModelDeployment', name: 'fraud', uid: 'md-uid', controller: true }],
      ...extra.metadata,
    },
  } as unknown as T;
}

export function modelDeployment(spec: ModelDeploymentSpec, status?: CachedModelDeployment['status']): CachedModelDeployment {
  return {
    apiVersion: 'modelship.io/v1alpha1',
    kind: 'ModelDeployment',
    metadata: { name: 'fraud', namespace: 'ml', uid: 'md-uid', generation: 1, resourceVersion: '1' },
    spec,
    ...(status ? { status } : {}),
  };
}

export function fakeDeps(client: FakeClient, caches: Partial<Caches> = {}, now = new Date('2026-04-01T00:00:00Z')): Deps {
  return {
    client,
    caches: {
      modelDeployments: new MapStore(),
      deployments: new MapStore(),
      services: new MapStore(),
      hpas: new MapStore(),
      pods: new MapStore(),
      ...caches,
    } as Caches,
    events: { event: () => {}, loggingTo: () => ({ event: () => {} }) } as unknown as Deps['events'],
    recent: new RecentWrites(),
    coalescer: new StatusCoalescer(),
    log: pino({ level: 'silent' }),
    runtimeImage: IMAGE,
    now: () => now,
    analysis: { measure: async () => ({ scrapeErrors: [], nextInMs: 1000 }), forget: () => {} } as unknown as Deps['analysis'],
    health: { modelFailure: async () => undefined },
  };
}

/** A pass that has decided `plan` (only the parts the child reconcilers read need to be given). */
export function plannedContext(deps: Deps, md: CachedModelDeployment, plan: Partial<RolloutPlan>, observed: PlannedContext['observed'] = []): PlannedContext {
  const spec = applyDefaults(md.spec);
  const full: RolloutPlan = {
    revisions: [],
    remove: [],
    routing: {},
    status: {},
    state: { phase: 'Complete' },
    events: [],
    consumed: [],
    totals: { replicas: 0, readyReplicas: 0, servingReadyReplicas: 0 },
    ...plan,
  };
  return { md, spec, deps, log: deps.log, plan: full, observed, owned: [] };
}
