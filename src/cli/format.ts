/**
 * Pure text rendering for `kubectl modelship status` and `history`: ModelDeployment (and its Events) in,
 * lines a person reads out. No I/O here, so every layout is unit tested.
 */
import { ANNOTATIONS, CONDITION_TYPES } from '../api/constants.ts';
import { servedModelName } from '../api/defaults.ts';
import type { CanaryStep, Condition, ModelDeployment } from '../api/types.ts';
import { comparisonLines } from './compare.ts';

/** A core/v1 Event, as much of it as the status view shows. */
export interface EventView {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  lastTimestamp?: string | null;
  eventTime?: string | null;
  firstTimestamp?: string | null;
  metadata?: { creationTimestamp?: string };
  series?: { count?: number; lastObservedTime?: string };
}

/** kubectl's compact age: 45s, 12m, 3h, 5d. */
export function age(time: string | undefined | null, now: number): string {
  if (!time) return '-';
  const ms = now - Date.parse(time);
  if (!Number.isFinite(ms)) return '-';
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 120) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h`;
  return `${Math.floor(h / 24)}d`;
}

/** Left-aligned columns separated by three spaces, like kubectl get. */
export function table(header: string[], rows: string[][], indent = ''): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    indent +
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('   ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

export function findCondition(md: ModelDeployment, type: string): Condition | undefined {
  return md.status?.conditions?.find((c) => c.type === type);
}

function isTrue(md: ModelDeployment, type: string): boolean {
  return findCondition(md, type)?.status === 'True';
}

export function isPaused(md: ModelDeployment): boolean {
  return md.metadata.annotations?.[ANNOTATIONS.paused] === 'true';
}

export type Phase = 'Ready' | 'Progressing' | 'Paused' | 'Degraded' | 'Stalled' | 'Pending';

/**
 * One word for where a ModelDeployment stands, with a sentence of why. The same reading as the Argo CD
 * health check (gitops/argocd/health.lua) and kstatus.
 */
export function summarize(md: ModelDeployment): { phase: Phase; message: string } {
  const generation = md.metadata.generation;
  const observed = md.status?.observedGeneration;
  const msg = (type: string) => findCondition(md, type)?.message ?? '';
  if (generation !== undefined && observed !== generation) {
    return {
      phase: 'Pending',
      message: observed === undefined ? 'the operator has not reported on it yet' : `waiting for the operator to observe generation ${generation}`,
    };
  }
  // A rollback sets both Degraded and Stalled; "Degraded" says better that an older version still serves.
  if (isTrue(md, CONDITION_TYPES.degraded)) return { phase: 'Degraded', message: msg(CONDITION_TYPES.degraded) };
  if (isTrue(md, CONDITION_TYPES.stalled)) return { phase: 'Stalled', message: msg(CONDITION_TYPES.stalled) };
  if (isPaused(md) && md.status?.canaryRevision) return { phase: 'Paused', message: `rollout paused by ${ANNOTATIONS.paused}` };
  if (isTrue(md, CONDITION_TYPES.reconciling)) return { phase: 'Progressing', message: msg(CONDITION_TYPES.reconciling) };
  if (isTrue(md, CONDITION_TYPES.ready)) return { phase: 'Ready', message: msg(CONDITION_TYPES.ready) };
  return { phase: 'Progressing', message: msg(CONDITION_TYPES.ready) || 'waiting for the model to become ready' };
}

export function describeStep(step: CanaryStep): string {
  if (step.setWeight !== undefined) return `setWeight ${step.setWeight}%`;
  if (step.pause) return step.pause.duration ? `pause ${step.pause.duration}` : 'pause until promoted';
  return '?';
}

function shortHash(hash: string | undefined): string {
  return hash ? hash.slice(0, 10) : '-';
}

function ready(r: { replicas?: number; readyReplicas?: number }): string {
  return r.replicas === undefined ? '-' : `${r.readyReplicas ?? 0}/${r.replicas}`;
}

/** The full rollout view printed by `kubectl modelship status`. */
export function renderStatus(md: ModelDeployment, events: EventView[], now: number): string {
  const out = [
    ...summaryLines(md),
    ...revisionLines(md, now),
    ...stepLines(md, now),
    ...analysisLines(md, now),
    ...comparisonLines(md, now),
    ...conditionLines(md, now),
    ...pendingLines(md),
    ...eventLines(events, now),
  ];
  return out.join('\n') + '\n';
}

function summaryLines(md: ModelDeployment): string[] {
  const spec = md.spec;
  const status = md.status ?? {};
  const { phase, message } = summarize(md);
  const out: string[] = [];
  const field = (label: string, value: string) => out.push(`${(label + ':').padEnd(12)}${value}`);
  field('Name', md.metadata.name ?? '');
  field('Namespace', md.metadata.namespace ?? '');
  const sha = spec.model.sha256 ? `, sha256 ${spec.model.sha256.slice(0, 12)}…` : '';
  field('Model', `${servedModelName(md)} version ${spec.model.version} (${spec.model.uri}${sha})`);
  field('Strategy', strategyOf(md));
  field('Status', message ? `${phase}: ${message}` : phase);
  const auto = spec.autoscaling ? `, autoscaled ${spec.autoscaling.minReplicas ?? 1}-${spec.autoscaling.maxReplicas}` : '';
  field('Replicas', `${status.replicas ?? 0} (${status.readyReplicas ?? 0} ready; desired ${spec.replicas ?? 1}${auto})`);
  if (status.url) field('URL', status.url);
  return out;
}

function strategyOf(md: ModelDeployment): string {
  return md.spec.rollout?.strategy ?? 'RollingUpdate';
}

function revisionLines(md: ModelDeployment, now: number): string[] {
  const status = md.status ?? {};
  const { stableRevision: stable, canaryRevision: canary, retiringRevision: retiring } = status;
  if (!stable && !canary && !retiring) return [];
  const candidateRole = strategyOf(md) === 'BlueGreen' ? 'preview' : 'canary';
  const rows: string[][] = [];
  const stableWeight = canary ? 100 - canary.weight : 100;
  // With one revision serving, the ModelDeployment's own counts are the stable revision's.
  const stableReady = stable && stable.replicas === undefined && !canary && !retiring ? ready(status) : stable ? ready(stable) : '-';
  if (stable) rows.push(['stable', String(stable.revision), stable.version, shortHash(stable.hash), `${stableWeight}%`, stableReady]);
  if (canary) rows.push([candidateRole, String(canary.revision), canary.version, shortHash(canary.hash), `${canary.weight}%`, ready(canary)]);
  if (retiring) {
    rows.push(['retiring', String(retiring.revision), retiring.version, shortHash(retiring.hash), '0%', `${ready(retiring)} (scale-down ${relative(retiring.scaleDownTime, now)})`]);
  }
  return ['', 'Revisions:', ...table(['ROLE', 'REVISION', 'VERSION', 'HASH', 'WEIGHT', 'READY'], rows, '  ')];
}

function stepLines(md: ModelDeployment, now: number): string[] {
  const canary = md.status?.canaryRevision;
  const steps = md.spec.rollout?.steps ?? [];
  if (!canary || strategyOf(md) !== 'Canary' || steps.length === 0) return [];
  const current = canary.step ?? 0;
  const out = ['', `Steps: (step ${Math.min(current, steps.length - 1) + 1} of ${steps.length}${isPaused(md) ? ', paused' : ''})`];
  steps.forEach((step, i) => {
    const mark = i < current ? 'done' : i === current ? `current, for ${age(canary.stepStartTime ?? canary.startTime, now)}` : '';
    out.push(`  ${i === current ? '>' : ' '} ${String(i).padStart(2)}  ${describeStep(step).padEnd(22)}${mark}`.trimEnd());
  });
  return out;
}

function analysisLines(md: ModelDeployment, now: number): string[] {
  const analysis = md.status?.analysis;
  if (!analysis) return [];
  const limit = md.spec.rollout?.analysis?.failureLimit;
  const out = [
    '',
    `Analysis: ${analysis.phase} (${analysis.successful} successful, ${analysis.failed} failed, ${analysis.inconclusive} inconclusive` +
      `${limit !== undefined ? `; failure limit ${limit}` : ''})`,
  ];
  const ms = analysis.measurements ?? [];
  if (ms.length === 0) return out;
  const rows = ms.map((m) => [
    age(m.time, now),
    m.phase,
    String(m.requests),
    m.errorRate === undefined ? '-' : `${(m.errorRate * 100).toFixed(2)}%`,
    m.p99LatencyMs === undefined ? '-' : `${round(m.p99LatencyMs)}ms`,
    m.stableP99LatencyMs === undefined ? '-' : `${round(m.stableP99LatencyMs)}ms`,
    m.prediction?.value === undefined ? '-' : String(m.prediction.value),
    m.message ?? '',
  ]);
  return [...out, ...table(['AGE', 'PHASE', 'REQUESTS', 'ERRORS', 'P99', 'STABLE P99', 'SHIFT', 'MESSAGE'], rows, '  ')];
}

function conditionLines(md: ModelDeployment, now: number): string[] {
  const conditions = md.status?.conditions ?? [];
  if (conditions.length === 0) return [];
  const rows = conditions.map((c) => [c.type, c.status, c.reason, age(c.lastTransitionTime, now), c.message]);
  return ['', 'Conditions:', ...table(['TYPE', 'STATUS', 'REASON', 'AGE', 'MESSAGE'], rows, '  ')];
}

/** One-shot control annotations the operator has not acted on yet. */
function pendingLines(md: ModelDeployment): string[] {
  const pending = Object.entries(md.metadata.annotations ?? {}).filter(
    ([k]) => k !== ANNOTATIONS.paused && Object.values(ANNOTATIONS).includes(k as never),
  );
  if (pending.length === 0) return [];
  return ['', `Pending requests: ${pending.map(([k, v]) => `${k}=${v}`).join(', ')} (the operator removes them once acted on)`];
}

function eventLines(events: EventView[], now: number): string[] {
  const sorted = [...events].sort((a, b) => eventTime(a) - eventTime(b)).slice(-10);
  if (sorted.length === 0) return [];
  const rows = sorted.map((e) => [ageOfEvent(e, now), e.type ?? '', e.reason ?? '', e.message ?? '']);
  return ['', 'Events:', ...table(['AGE', 'TYPE', 'REASON', 'MESSAGE'], rows, '  ')];
}

function round(n: number): string {
  return n >= 100 ? n.toFixed(0) : n.toFixed(1);
}

function relative(time: string | undefined, now: number): string {
  if (!time) return '-';
  const ms = Date.parse(time) - now;
  return ms > 0 ? `in ${age(new Date(now - ms).toISOString(), now)}` : 'due';
}

function eventTime(e: EventView): number {
  const t = e.series?.lastObservedTime ?? e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp;
  return t ? Date.parse(t) : 0;
}

function ageOfEvent(e: EventView, now: number): string {
  const t = eventTime(e);
  const count = e.series?.count ?? e.count ?? 1;
  const a = t ? age(new Date(t).toISOString(), now) : '-';
  return count > 1 ? `${a} (x${count})` : a;
}

/** The table printed by `kubectl modelship history`: finished rollouts, then what serves and rolls out now. */
export function renderHistory(md: ModelDeployment, now: number): string {
  const status = md.status ?? {};
  const rows: string[][] = (status.history ?? []).map((h) => [
    String(h.revision),
    h.version,
    h.outcome,
    h.reason,
    age(h.time, now),
    h.uri,
  ]);
  if (status.stableRevision) {
    const s = status.stableRevision;
    rows.push([String(s.revision), s.version, 'Serving', 'Stable', '-', s.uri ?? '']);
  }
  if (status.canaryRevision) {
    const c = status.canaryRevision;
    rows.push([String(c.revision), c.version, 'InProgress', `weight ${c.weight}%`, age(c.startTime, now), c.uri ?? '']);
  }
  if (rows.length === 0) return `${md.metadata.name} has no revisions yet\n`;
  return table(['REVISION', 'VERSION', 'OUTCOME', 'REASON', 'AGE', 'URI'], rows).join('\n') + '\n';
}
