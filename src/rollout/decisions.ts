// Decisions taken before the candidate moves: a BlueGreen predecessor's scale-down, whether the spec's
// revision is held rolled back, and the manual controls (retry, undo, abort) and spec changes that start
// or end a rollout.

import { ANNOTATIONS, CONDITION_TYPES } from '../api/constants.ts';
import { findCondition } from '../status/conditions.ts';
import { endCandidate, hold, newCandidate, rollback } from './outcomes.ts';
import type { Pass } from './pass.ts';
import type { RevisionRecord } from './revision.ts';
import { numberFor, rebuiltRevision } from './revision.ts';
import { REASONS } from './types.ts';

/** A BlueGreen predecessor kept running after the switch goes once its delay is over. */
export function expireRetiring(p: Pass): void {
  if (!p.retiring) return;
  const at = Date.parse(p.retiring.scaleDownTime);
  if (p.retiring.hash === p.stable?.hash || p.retiring.hash === p.candidate?.hash || !(at > p.now)) {
    if (p.retiring.hash !== p.stable?.hash) {
      p.event('Normal', 'RevisionScaledDown', `scaled down version ${p.retiring.version} (revision ${p.retiring.revision}) after the switch`);
    }
    p.retiring = undefined;
  } else {
    p.wait(at - p.now);
  }
}

/**
 * The spec's revision was rolled back (or undone) and stays so until the spec changes or a retry is
 * asked for. Read from the cluster: the newest history entry rolled this very revision back, and the
 * status still reports the rollback (Degraded with the same reason). A spec that moved to another
 * version and back is tried again, since reporting anything else in between cleared Degraded.
 */
export function isHeld(p: Pass): boolean {
  const desired = p.in.desired.hash;
  if (!p.stable) return false;
  // While an undo brings an older revision back, the spec's revision may still be the stable one.
  const undoing = p.candidate !== undefined && p.candidate.hash !== desired;
  if (p.stable.hash === desired && !undoing) return false;
  const last = p.history.at(-1);
  if (!last || last.hash !== desired || last.outcome === 'Promoted') return false;
  const degraded = findCondition(p.in.status?.conditions, CONDITION_TYPES.degraded);
  return degraded?.status === 'True' && degraded.reason === last.reason;
}

export function handleInvalidControls(p: Pass): void {
  for (const bad of p.controls.invalid) {
    p.consume(bad.key);
    p.event('Warning', 'InvalidAnnotation', `${bad.message}; removed it`);
  }
}

export function handleRetry(p: Pass): void {
  if (!p.controls.retry) return;
  p.consume(ANNOTATIONS.retry);
  if (p.held && !p.candidate) {
    p.held = false;
    p.event('Normal', 'RetryRequested', `${ANNOTATIONS.retry}: rolling version ${p.in.desired.template.model.version} out again`);
  } else if (p.candidate && !p.stable) {
    p.candidate.startTime = p.nowText;
    p.event('Normal', 'RetryRequested', `${ANNOTATIONS.retry}: giving version ${p.candidate.version} another ${p.in.spec.rollout.progressDeadlineSeconds}s to become available`);
  }
}

export function handleUndo(p: Pass): void {
  const wanted = p.controls.undo;
  if (wanted === undefined) return;
  p.consume(ANNOTATIONS.undo);
  const target = findRevision(p, wanted);
  if (!target) {
    const known = p.history.map((h) => `${h.revision} (version ${h.version})`).join(', ') || 'none';
    p.event('Warning', 'UndoFailed', `${ANNOTATIONS.undo}: no revision or version "${wanted}" to go back to; known revisions: ${known}`);
    return;
  }
  const desired = p.in.desired;
  const label = p.label(target);
  if (target.hash === p.stable?.hash && !p.candidate) {
    if (desired.hash !== target.hash) hold(p, REASONS.undo, `${ANNOTATIONS.undo}: stay on ${label}`);
    p.event('Normal', 'UndoRequested', `${ANNOTATIONS.undo}: ${label} is already serving`);
    return;
  }
  if (p.candidate) {
    const isSpecRollout = p.candidate.hash === desired.hash;
    endCandidate(p, isSpecRollout ? 'RolledBack' : 'Aborted', REASONS.undo, `${ANNOTATIONS.undo}: going back to ${label}`);
  }
  if (target.hash === desired.hash) {
    // Undoing to the spec's own revision is a retry of it.
    p.held = false;
    return;
  }
  hold(p, REASONS.undo, `${ANNOTATIONS.undo}: went back to ${label}`);
  if (target.hash !== p.stable?.hash) {
    p.candidate = newCandidate(p, target);
    p.event('Normal', 'UndoStarted', `${ANNOTATIONS.undo}: rolling back to ${label}`);
  } else {
    p.event('Normal', 'UndoCompleted', `${ANNOTATIONS.undo}: traffic is back on ${label}`);
  }
}

/** A revision by number, else by model version (newest first), among those the cluster still knows. */
function findRevision(p: Pass, wanted: string): RevisionRecord | undefined {
  const records: RevisionRecord[] = [
    ...[...p.history].reverse(),
    ...(p.stable?.uri ? [{ ...p.stable, uri: p.stable.uri }] : []),
    ...(p.retiring?.uri ? [{ ...p.retiring, uri: p.retiring.uri }] : []),
  ];
  for (const o of p.observed.values()) {
    if (o.template && o.number !== undefined) {
      const { uri, sha256, version } = o.template.model;
      records.push({ hash: o.hash, revision: o.number, version, uri, ...(sha256 ? { sha256 } : {}) });
    }
  }
  const byNumber = /^[0-9]+$/.test(wanted) ? records.find((r) => r.revision === Number(wanted)) : undefined;
  const found = byNumber ?? records.find((r) => r.version === wanted);
  if (!found) return undefined;
  // Its Deployment is gone: run the recorded model with the spec's current runtime settings.
  if (!p.runnable(found.hash)) p.rebuilt.set(found.hash, rebuiltRevision(found, p.in.desired));
  return { hash: found.hash, revision: found.revision, version: found.version, uri: found.uri, ...(found.sha256 ? { sha256: found.sha256 } : {}) };
}

/** A spec change ends the rollout in flight; a spec that differs from stable starts one. */
export function supersedeOrStart(p: Pass): void {
  const { hash, template } = p.in.desired;
  const { version, uri, sha256 } = template.model;
  if (p.candidate && p.candidate.hash !== hash && !p.held) {
    endCandidate(p, 'Aborted', REASONS.superseded, `the spec changed to version ${version} before version ${p.candidate.version} finished rolling out`);
  }
  if (!p.candidate && hash !== p.stable?.hash && !p.held) {
    p.candidate = newCandidate(p, { hash, version, uri, ...(sha256 ? { sha256 } : {}), revision: numberFor(hash, p.numbers) });
    // A first version is not a rollout (nothing serves, nothing to protect: it starts at full size), as
    // neither a Deployment's first ReplicaSet nor Argo Rollouts' initial creation is: its status names it
    // (a replacement for one that never came up gets reconcile/announce.ts's Created Event), and no rollout
    // Events start or end it.
    if (p.stable) {
      const how = `${p.in.spec.rollout.strategy} from version ${p.stable.version} (revision ${p.stable.revision})`;
      p.event('Normal', 'RolloutStarted', `rolling out version ${version} (revision ${p.candidate.revision}, ${hash}): ${how}`);
    }
  }
}

export function handleAbort(p: Pass): void {
  if (!p.controls.abort) return;
  p.consume(ANNOTATIONS.abort);
  if (!p.candidate) return;
  if (!p.stable) {
    p.event('Warning', 'AbortIgnored', `${ANNOTATIONS.abort}: version ${p.candidate.version} is the first revision; there is no stable revision to go back to`);
    return;
  }
  rollback(p, 'Aborted', REASONS.abort, `${ANNOTATIONS.abort} was set`);
}
