/**
 * Manual rollout control: what `promote`, `abort`, `retry`, `pause`, `resume` and `undo` write to a
 * ModelDeployment. Everything goes through the annotations of docs/adr/0001 as a JSON merge patch, so the
 * plugin, kubectl annotate and scripts share one path, and the operator (not the plugin) decides what happens.
 *
 * planControl is pure: it checks that the request makes sense for the ModelDeployment as it is now and
 * returns the patch, or throws a CliError saying why not.
 */
import { ANNOTATIONS } from '../api/constants.ts';
import type { HistoryEntry, ModelDeployment } from '../api/types.ts';
import { CliError } from './errors.ts';
import { findCondition, isPaused } from './format.ts';

export type Control =
  | { kind: 'promote'; full: boolean }
  | { kind: 'abort' }
  | { kind: 'retry' }
  | { kind: 'pause' }
  | { kind: 'resume' }
  | { kind: 'undo'; to?: string };

export interface AnnotationPatch {
  metadata: { annotations: Record<string, string | null> };
}

export interface ControlPlan {
  /** The merge patch to send; absent when there is nothing to change. */
  patch?: AnnotationPatch;
  /** What to tell the person, kubectl style: `modeldeployment.modelship.io/fraud promoted (full)`. */
  message: string;
}

const annotate = (key: string, value: string | null): AnnotationPatch => ({ metadata: { annotations: { [key]: value } } });

export function planControl(md: ModelDeployment, control: Control, now: Date = new Date()): ControlPlan {
  const name = md.metadata.name ?? '';
  const ref = `modeldeployment.modelship.io/${name}`;
  const status = md.status ?? {};
  const candidate = status.canaryRevision;
  // A fresh value each time, so that asking twice is two requests even before the operator clears the first.
  const stamp = now.toISOString();

  switch (control.kind) {
    case 'promote': {
      if (!candidate) throw new CliError(`${name} has no rollout in progress to promote (${servingNow(md)})`);
      const value = control.full ? 'full' : 'step';
      return {
        patch: annotate(ANNOTATIONS.promote, value),
        message: `${ref} promote requested (${control.full ? 'full: skip the remaining steps' : 'next step'}) for revision ${candidate.revision} (version ${candidate.version})`,
      };
    }
    case 'abort': {
      if (!candidate) throw new CliError(`${name} has no rollout in progress to abort (${servingNow(md)})`);
      return {
        patch: annotate(ANNOTATIONS.abort, stamp),
        message: `${ref} abort requested: traffic goes back to revision ${status.stableRevision?.revision ?? '?'} and revision ${candidate.revision} (version ${candidate.version}) is scaled down`,
      };
    }
    case 'retry': {
      const last = status.history?.at(-1);
      const failed =
        ['Degraded', 'Stalled'].some((t) => findCondition(md, t)?.status === 'True') ||
        (last !== undefined && last.outcome !== 'Promoted' && last.version === md.spec.model.version && !candidate);
      if (!failed) throw new CliError(`${name} has no failed or aborted rollout to retry (${servingNow(md)})`);
      return {
        patch: annotate(ANNOTATIONS.retry, stamp),
        message: `${ref} retry requested: version ${md.spec.model.version} will be rolled out again`,
      };
    }
    case 'pause': {
      if (isPaused(md)) return { message: `${ref} is already paused` };
      return {
        patch: annotate(ANNOTATIONS.paused, 'true'),
        message: candidate
          ? `${ref} paused at ${candidate.weight}% for revision ${candidate.revision}`
          : `${ref} paused: the next rollout will hold at its first step`,
      };
    }
    case 'resume': {
      if (!isPaused(md)) return { message: `${ref} is not paused` };
      return { patch: annotate(ANNOTATIONS.paused, null), message: `${ref} resumed` };
    }
    case 'undo': {
      const target = undoTarget(md, control.to);
      return {
        patch: annotate(ANNOTATIONS.undo, String(target.revision)),
        message: `${ref} undo requested: rolling back to revision ${target.revision} (version ${target.version}, ${target.uri})`,
      };
    }
  }
}

function servingNow(md: ModelDeployment): string {
  const stable = md.status?.stableRevision;
  return stable ? `it serves revision ${stable.revision}, version ${stable.version}` : 'nothing has been rolled out yet';
}

/**
 * The history entry `undo` goes back to: the one named by revision number or model version, or by default
 * the newest promoted revision other than the one serving now. Like `kubectl rollout undo`.
 */
export function undoTarget(md: ModelDeployment, to: string | undefined): HistoryEntry {
  const name = md.metadata.name ?? '';
  const history = md.status?.history ?? [];
  const stable = md.status?.stableRevision;
  const known = history.map((h) => `${h.revision} (version ${h.version}, ${h.outcome})`).join(', ') || 'none';
  if (to === undefined) {
    const previous = [...history].reverse().find((h) => h.outcome === 'Promoted' && h.hash !== stable?.hash);
    if (!previous) throw new CliError(`${name} has no earlier promoted revision to undo to; revisions in history: ${known}`);
    return previous;
  }
  const byNumber = /^[0-9]+$/.test(to) ? [...history].reverse().find((h) => h.revision === Number(to)) : undefined;
  const target = byNumber ?? [...history].reverse().find((h) => h.version === to);
  if (!target) throw new CliError(`${name} has no revision or version "${to}" in its history; revisions in history: ${known}`);
  if (stable && target.hash === stable.hash && !md.status?.canaryRevision) {
    throw new CliError(`${name} already serves revision ${stable.revision} (version ${stable.version})`);
  }
  return target;
}
