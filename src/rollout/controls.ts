// Manual control of a rollout, read from the ModelDeployment's annotations (ADR 0001). The same path
// serves kubectl annotate, scripts and the kubectl-modelship plugin.

import { ANNOTATIONS } from '../api/constants.ts';
import type { PromoteValue } from '../api/constants.ts';

export interface Controls {
  /** modelship.io/promote: `step` completes the current step; `full` skips the remaining steps and analysis. */
  promote?: PromoteValue;
  /** modelship.io/abort is set: send all traffic back to stable. */
  abort: boolean;
  /** modelship.io/retry is set: roll a rolled-back revision out again. */
  retry: boolean;
  /** modelship.io/paused is "true": hold the rollout where it is. */
  paused: boolean;
  /** modelship.io/undo: a revision number or a model version to go back to. */
  undo?: string;
  /** One-shot annotations with a value the operator cannot use; they are removed with a Warning. */
  invalid: Array<{ key: string; message: string }>;
}

export function readControls(annotations: Record<string, string> | undefined): Controls {
  const a = annotations ?? {};
  const out: Controls = { abort: ANNOTATIONS.abort in a, retry: ANNOTATIONS.retry in a, paused: a[ANNOTATIONS.paused] === 'true', invalid: [] };
  const promote = a[ANNOTATIONS.promote];
  if (promote !== undefined) {
    const value = promote.trim().toLowerCase();
    // An empty value reads as the common case, one step, the way `kubectl annotate md x modelship.io/promote=` would mean it.
    if (value === 'step' || value === '' || value === 'true') out.promote = 'step';
    else if (value === 'full') out.promote = 'full';
    else out.invalid.push({ key: ANNOTATIONS.promote, message: `${ANNOTATIONS.promote}: "${promote}" is neither "step" nor "full"` });
  }
  const undo = a[ANNOTATIONS.undo];
  if (undo !== undefined) {
    if (undo.trim() === '') out.invalid.push({ key: ANNOTATIONS.undo, message: `${ANNOTATIONS.undo} needs a revision number or a model version` });
    else out.undo = undo.trim();
  }
  return out;
}
