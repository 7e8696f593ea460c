// Turns a finished Pass into the RolloutPlan: each revision's size and role, the Deployments that go, the
// Services' targets, the rollout status, the totals, the analysis to take and when to look again.

import { parseDuration } from '../api/duration.ts';
import { heldState } from './outcomes.ts';
import type { Pass } from './pass.ts';
import { numberFor } from './revision.ts';
import { realizedWeight } from './split.ts';
import type { RevisionPlan, RevisionRole, Routing, RolloutPlan, RolloutStatus } from './types.ts';

export function result(p: Pass): RolloutPlan {
  if (!p.candidate && p.state.phase === 'Complete' && p.held) p.state = heldState(p);
  const { revisions, remove } = planRevisions(p);
  fillRevisionStatus(p, revisions);
  const routing = routingOf(p);
  const plan: RolloutPlan = {
    revisions,
    remove,
    routing,
    status: rolloutStatus(p),
    state: p.state,
    events: p.events,
    consumed: [...p.consumed],
    totals: totals(p, revisions, routing),
  };
  const analysis = analysisRequest(p);
  if (analysis) plan.analysis = analysis;
  if (p.waits.length) plan.requeueAfterMs = Math.max(100, Math.ceil(Math.min(...p.waits)) + 50);
  return plan;
}

/** Stable, candidate and retiring at their planned sizes; older revisions at zero, the newest revisionHistoryLimit kept. */
function planRevisions(p: Pass): { revisions: RevisionPlan[]; remove: string[] } {
  const revisions: RevisionPlan[] = [];
  const add = (hash: string, replicas: number, role: RevisionRole, version: string) => {
    if (revisions.some((r) => r.hash === hash)) return;
    const runnable = p.runnable(hash);
    if (!runnable) return;
    const number = numberFor(hash, p.numbers);
    revisions.push({ ...runnable.revision, number, approximate: runnable.approximate, replicas, role });
    if (runnable.approximate && replicas > 0) {
      p.event('Warning', 'RevisionRebuilt', `the Deployment of version ${version} (revision ${number}) is gone; running it again from status.history with the spec's current runtime settings`);
    }
  };
  if (p.stable) add(p.stable.hash, p.candidate ? p.stableReplicas : p.total, 'stable', p.stable.version);
  if (p.candidate) add(p.candidate.hash, p.candidateReplicas, 'candidate', p.candidate.version);
  if (p.retiring) add(p.retiring.hash, p.total, 'retiring', p.retiring.version);

  const planned = new Set(revisions.map((r) => r.hash));
  const old = [...p.observed.values()].filter((o) => !planned.has(o.hash)).sort((a, b) => (b.number ?? 0) - (a.number ?? 0));
  const keep = p.in.spec.revisionHistoryLimit;
  const remove: string[] = [];
  old.forEach((o, i) => {
    if (i < keep && p.runnable(o.hash)) add(o.hash, 0, 'old', o.version ?? '');
    else remove.push(o.hash);
  });
  return { revisions, remove };
}

/** Sizes, readiness and the realized weight of stable and the candidate, as status reports them. */
function fillRevisionStatus(p: Pass, revisions: readonly RevisionPlan[]): void {
  const stableReady = p.stable ? (p.observed.get(p.stable.hash)?.readyReplicas ?? 0) : 0;
  if (p.candidate) {
    const ready = p.observed.get(p.candidate.hash)?.readyReplicas ?? 0;
    const mode = p.mode();
    p.candidate.replicas = p.candidateReplicas;
    p.candidate.readyReplicas = ready;
    p.candidate.weight = mode === 'bluegreen' ? 0 : realizedWeight(ready, p.stable ? stableReady : 0);
    if (mode !== 'canary') delete p.candidate.step;
  }
  if (p.stable) {
    p.stable.replicas = revisions.find((r) => r.hash === p.stable?.hash)?.replicas ?? 0;
    p.stable.readyReplicas = stableReady;
  }
}

function routingOf(p: Pass): Routing {
  const blueGreen = p.in.spec.rollout.strategy === 'BlueGreen';
  return {
    ...(blueGreen ? { main: p.stable?.hash ?? p.candidate?.hash } : {}),
    stable: p.stable?.hash ?? p.candidate?.hash,
    candidate: p.candidate?.hash ?? p.stable?.hash,
  };
}

function totals(p: Pass, revisions: readonly RevisionPlan[], routing: Routing): RolloutPlan['totals'] {
  const servingHashes = routing.main ? [routing.main] : revisions.map((r) => r.hash);
  const readyOf = (hash: string) => p.observed.get(hash)?.readyReplicas ?? 0;
  return {
    replicas: revisions.reduce((sum, r) => sum + r.replicas, 0),
    readyReplicas: revisions.reduce((sum, r) => sum + readyOf(r.hash), 0),
    servingReadyReplicas: servingHashes.reduce((sum, h) => sum + readyOf(h), 0),
  };
}

function rolloutStatus(p: Pass): RolloutStatus {
  const limit = Math.max(1, p.in.spec.revisionHistoryLimit);
  return {
    ...(p.stable ? { stableRevision: p.stable } : {}),
    ...(p.candidate ? { canaryRevision: p.candidate } : {}),
    ...(p.retiring ? { retiringRevision: p.retiring } : {}),
    ...(p.analysis ? { analysis: p.analysis } : {}),
    ...(p.history.length ? { history: p.history.slice(-limit) } : {}),
  };
}

function analysisRequest(p: Pass): RolloutPlan['analysis'] {
  const a = p.in.spec.rollout.analysis;
  if (!p.analysisWanted || !p.candidate || !a) return undefined;
  return {
    candidate: p.candidate.hash,
    ...(p.stable ? { stable: p.stable.hash } : {}),
    intervalMs: parseDuration(a.interval),
    thresholds: {
      minRequests: a.minRequests,
      ...(a.maxErrorRate !== undefined ? { maxErrorRate: a.maxErrorRate } : {}),
      ...(a.maxP99LatencyMs !== undefined ? { maxP99LatencyMs: a.maxP99LatencyMs } : {}),
      ...(a.maxP99LatencyRatio !== undefined ? { maxP99LatencyRatio: a.maxP99LatencyRatio } : {}),
      ...(a.prediction !== undefined ? { prediction: a.prediction } : {}),
    },
  };
}
