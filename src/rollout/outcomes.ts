// How a candidate's rollout ends (promoted, rolled back, aborted), and the history and hold that record it.

import { ANNOTATIONS } from '../api/constants.ts';
import type { CanaryRevision, HistoryEntry } from '../api/types.ts';
import type { RolloutState } from '../status/conditions.ts';
import { rfc3339 } from '../status/conditions.ts';
import type { Pass } from './pass.ts';
import { numberFor } from './revision.ts';
import type { Mode } from './types.ts';
import { REASONS } from './types.ts';

type Recorded = { hash: string; version: string; revision: number; uri?: string; sha256?: string };

export function promote(p: Pass, mode: Mode, why?: string): void {
  const candidate = p.candidate!;
  const previous = p.stable;
  p.stable = {
    revision: candidate.revision,
    version: candidate.version,
    hash: candidate.hash,
    ...(candidate.uri ? { uri: candidate.uri } : {}),
    ...(candidate.sha256 ? { sha256: candidate.sha256 } : {}),
  };
  p.candidate = undefined;
  p.candidateReplicas = 0;
  p.stableReplicas = p.total;
  if (p.analysis?.hash === candidate.hash && p.analysis.phase === 'Running') p.analysis = { ...p.analysis, phase: 'Successful' };
  const label = p.label(candidate);
  if (mode === 'undo') {
    p.event('Normal', 'UndoCompleted', `${ANNOTATIONS.undo}: ${label} is serving again`);
  } else {
    record(p, candidate, 'Promoted', REASONS.completed, `${label} rolled out${why ? ` (${why})` : ''}`);
    // The first version's serving is told by its Ready condition and history entry, not an Event (decisions.ts).
    if (mode !== 'initial') p.event('Normal', 'RolloutCompleted', `${label} is serving${why ? ` (${why})` : ''}`);
  }
  const delay = p.in.spec.rollout.blueGreen?.scaleDownDelaySeconds ?? 0;
  if (mode === 'bluegreen' && previous && delay > 0) {
    p.retiring = { ...previous, scaleDownTime: rfc3339(new Date(p.now + delay * 1000)) };
    p.wait(delay * 1000);
  }
  p.state = p.held ? heldState(p) : { phase: 'Complete' };
}

/** Ends the candidate and sends all traffic back to stable. */
export function rollback(p: Pass, outcome: 'RolledBack' | 'Aborted', reason: string, message: string): void {
  const candidate = p.candidate!;
  const label = p.label(candidate);
  if (p.mode() === 'undo') {
    p.candidate = undefined;
    p.event('Warning', 'UndoFailed', `${ANNOTATIONS.undo}: gave up on ${label}: ${message}`);
  } else {
    if ((reason === REASONS.analysisFailed || reason === REASONS.predictionShift) && p.analysis?.hash === candidate.hash) p.analysis = { ...p.analysis, phase: 'Failed' };
    endCandidate(p, outcome, reason, message);
    p.held = true;
    const verb = outcome === 'Aborted' ? 'aborted' : 'rolled back';
    const back = `traffic is back on version ${p.stable?.version} (revision ${p.stable?.revision})`;
    p.event(outcome === 'Aborted' ? 'Normal' : 'Warning', outcome === 'Aborted' ? 'RolloutAborted' : 'RolledBack', `${label} ${verb} (${reason}): ${message}; ${back}`);
  }
  p.candidateReplicas = 0;
  p.stableReplicas = p.total;
  p.state = p.held ? heldState(p) : { phase: 'Complete' };
}

/** Records how the candidate's rollout ended and forgets it; its Deployment is scaled down with the old ones. */
export function endCandidate(p: Pass, outcome: HistoryEntry['outcome'], reason: string, message: string): void {
  record(p, p.candidate!, outcome, reason, message);
  p.candidate = undefined;
}

/** Makes the spec's revision stay rolled back (see decisions.ts isHeld). */
export function hold(p: Pass, reason: string, message: string): void {
  const { hash, template } = p.in.desired;
  const last = p.history.at(-1);
  p.held = true;
  if (last?.hash === hash && last.outcome !== 'Promoted' && last.reason === reason) return;
  const { version, uri, sha256 } = template.model;
  record(p, { hash, version, uri, revision: numberFor(hash, p.numbers), ...(sha256 ? { sha256 } : {}) }, 'RolledBack', reason, message);
}

export function heldState(p: Pass): RolloutState {
  const last = p.history.at(-1);
  const desired = p.in.desired;
  const n = numberFor(desired.hash, p.numbers);
  const serving = p.stable ? `version ${p.stable.version} (revision ${p.stable.revision}) serves` : 'nothing serves';
  const what = last?.outcome === 'Aborted' ? 'was aborted' : 'was rolled back';
  return {
    phase: 'RolledBack',
    reason: last?.reason ?? 'RolledBack',
    message: `version ${desired.template.model.version} (revision ${n}) ${what}${last?.message ? `: ${last.message}` : ''}. ${serving} until the spec changes or ${ANNOTATIONS.retry} is set`,
  };
}

function record(p: Pass, r: Recorded, outcome: HistoryEntry['outcome'], reason: string, message: string): void {
  p.history.push({
    revision: r.revision,
    version: r.version,
    hash: r.hash,
    uri: r.uri ?? p.runnable(r.hash)?.revision.template.model.uri ?? '',
    ...(r.sha256 ? { sha256: r.sha256 } : {}),
    outcome,
    time: p.nowText,
    reason,
    message: truncate(message, 32768),
  });
}

/** The status entry of a revision starting its rollout (or coming back by undo). */
export function newCandidate(p: Pass, r: Recorded): CanaryRevision {
  // A retried revision is judged afresh.
  if (p.analysis?.hash === r.hash) p.analysis = undefined;
  const first = p.mode() === 'initial' || p.in.spec.rollout.strategy !== 'Canary';
  return {
    revision: r.revision,
    version: r.version,
    hash: r.hash,
    ...(r.uri ? { uri: r.uri } : {}),
    ...(r.sha256 ? { sha256: r.sha256 } : {}),
    weight: 0,
    ...(first ? {} : { step: 0, stepStartTime: p.nowText }),
    startTime: p.nowText,
  };
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 3)}...`;
}
