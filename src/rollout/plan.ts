// The rollout engine: what happens when spec.model.version changes. One pure function turns what the
// cluster says now (the ModelDeployment's spec, status and annotations, each revision's Deployment and
// pods, and a fresh analysis measurement if one was taken) into what it should say next: how many
// replicas each revision runs, which revision each Service selects, the next status, the Events to
// record, and when to look again. Nothing is remembered between calls, so a restarted operator (or a
// new leader) continues any rollout from the cluster alone. docs/adr/0003-rollouts.md explains the rules.
//
// The rooms: pass.ts (what one pass read and decided so far), decisions.ts (manual controls and spec
// changes), strategies/ (how the candidate moves: initial, rolling, canary, blue-green, undo),
// outcomes.ts (promote, roll back, history), result.ts (the plan handed to the reconcile).

import { ANNOTATIONS } from '../api/constants.ts';
import { expireRetiring, handleAbort, handleInvalidControls, handleRetry, handleUndo, isHeld, supersedeOrStart } from './decisions.ts';
import { Pass } from './pass.ts';
import { result } from './result.ts';
import { advance } from './strategies/advance.ts';
import type { RolloutInput, RolloutPlan } from './types.ts';

export type { RevisionPlan, RolloutEvent, RolloutInput, RolloutPlan } from './types.ts';
export { weightAt } from './strategies/canary.ts';

export function planRollout(input: RolloutInput): RolloutPlan {
  const p = new Pass(input);
  handleInvalidControls(p);
  expireRetiring(p);
  p.held = isHeld(p);
  handleRetry(p);
  handleUndo(p);
  supersedeOrStart(p);
  handleAbort(p);
  if (p.candidate) advance(p);
  else if (p.controls.promote) p.consume(ANNOTATIONS.promote); // nothing to promote
  return result(p);
}
