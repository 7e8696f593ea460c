// Reading a ModelDeployment's status the way a person would: one line for where the rollout stands.
import type { CanaryStep, Condition, ModelDeployment } from '../../src/api/types.ts';

export function condition(md: ModelDeployment | undefined, type: string): Condition | undefined {
  return md?.status?.conditions?.find((c) => c.type === type);
}

export function isTrue(md: ModelDeployment | undefined, type: string): boolean {
  return condition(md, type)?.status === 'True';
}

/** Ready=True for the generation the status was computed from, which is the current one. */
export function isReadyNow(md: ModelDeployment | undefined): boolean {
  return md !== undefined && md.status?.observedGeneration === md.metadata.generation && isTrue(md, 'Ready');
}

export function describeStep(step: CanaryStep | undefined): string {
  if (!step) return '?';
  if (step.setWeight !== undefined) return `setWeight ${step.setWeight}%`;
  return step.pause?.duration ? `pause ${step.pause.duration}` : 'pause until promoted';
}

/** e.g. `stable v1 (rev 1) 3/3 | canary v2 (rev 2) 1/1, weight 25%, step 2/4 pause 10s | analysis Running: 2 ok, 0 failed, 1 inconclusive | Reconciling` */
export function statusLine(md: ModelDeployment | undefined): string {
  if (!md) return 'ModelDeployment not found';
  const s = md.status ?? {};
  const parts: string[] = [];
  if (s.stableRevision) {
    const r = s.stableRevision;
    parts.push(`stable v${r.version} (rev ${r.revision}) ${pods(r.replicas, r.readyReplicas)}`);
  } else {
    parts.push('no stable revision yet');
  }
  if (s.canaryRevision) {
    const c = s.canaryRevision;
    const steps = md.spec.rollout?.steps ?? [];
    let step = '';
    if (c.step !== undefined && c.step < steps.length) step = `, step ${c.step + 1}/${steps.length} ${describeStep(steps[c.step])}`;
    else if (c.step !== undefined && steps.length > 0) step = ', steps done, promoting to 100%';
    parts.push(`canary v${c.version} (rev ${c.revision}) ${pods(c.replicas, c.readyReplicas)}, weight ${c.weight}%${step}`);
  }
  if (s.analysis && (s.canaryRevision || s.analysis.phase === 'Failed')) {
    const a = s.analysis;
    const last = a.measurements?.at(-1);
    const lastText = last
      ? ` (last: ${last.phase}, ${last.requests} requests` +
        (last.errorRate !== undefined ? `, ${(last.errorRate * 100).toFixed(1)}% errors` : '') +
        (last.p99LatencyMs !== undefined ? `, p99 ${last.p99LatencyMs.toFixed(1)}ms` : '') +
        ')'
      : '';
    parts.push(`analysis ${a.phase}: ${a.successful} ok, ${a.failed} failed, ${a.inconclusive} inconclusive${lastText}`);
  }
  parts.push(conditionsText(md));
  return parts.join(' | ');
}

/** `4/4 ready`, or `3 pods (4 ready)` while a revision scales down. */
function pods(replicas = 0, ready = 0): string {
  return ready <= replicas ? `${ready}/${replicas} ready` : `${replicas} pods (${ready} ready)`;
}

/** The conditions that tell the story: Ready, and Reconciling/Stalled/Degraded when true, with reasons. */
export function conditionsText(md: ModelDeployment): string {
  const out: string[] = [];
  const ready = condition(md, 'Ready');
  out.push(`Ready=${ready?.status ?? '?'}`);
  for (const type of ['Reconciling', 'Stalled', 'Degraded']) {
    const c = condition(md, type);
    if (c?.status === 'True') out.push(`${type} (${c.reason})`);
  }
  return out.join(', ');
}

/**
 * What changes between two status reads that a person cares about; the demo prints a line when it changes.
 * Analysis counters are included, timestamps are not.
 */
export function statusKey(md: ModelDeployment | undefined): string {
  if (!md) return '';
  const s = md.status ?? {};
  return JSON.stringify([
    s.stableRevision?.revision,
    s.stableRevision?.readyReplicas,
    s.stableRevision?.replicas,
    s.canaryRevision?.revision,
    s.canaryRevision?.weight,
    s.canaryRevision?.step,
    s.canaryRevision?.readyReplicas,
    s.canaryRevision?.replicas,
    s.analysis?.phase,
    s.analysis?.successful,
    s.analysis?.failed,
    s.analysis?.inconclusive,
    (s.conditions ?? []).map((c) => `${c.type}=${c.status}/${c.reason}`),
  ]);
}
