// Revision numbers. A revision's identity (template and hash) and the annotations that carry it on its
// Deployment are in builders/revision.ts; numbers come from the status and those annotations, so a
// restarted operator numbers every revision the same way.

import type { ModelDeploymentStatus } from '../api/types.ts';
import type { Revision, RevisionTemplate } from '../builders/revision.ts';

/**
 * Every revision number the status or the cluster knows, by hash. A revision keeps its number for life: a
 * retry or an undo reuses it, as `kubectl rollout history` users expect.
 */
export function knownNumbers(status: ModelDeploymentStatus | undefined, deployments: ReadonlyArray<{ hash: string; number?: number }>): Map<string, number> {
  const out = new Map<string, number>();
  const note = (hash: string | undefined, n: number | undefined) => {
    if (hash && n !== undefined && !out.has(hash)) out.set(hash, n);
  };
  note(status?.stableRevision?.hash, status?.stableRevision?.revision);
  note(status?.canaryRevision?.hash, status?.canaryRevision?.revision);
  note(status?.retiringRevision?.hash, status?.retiringRevision?.revision);
  for (const h of [...(status?.history ?? [])].reverse()) note(h.hash, h.revision);
  for (const d of deployments) note(d.hash, d.number);
  return out;
}

/** The number of `hash`: the one it already has, or one more than any number used so far. */
export function numberFor(hash: string, known: Map<string, number>): number {
  const existing = known.get(hash);
  if (existing !== undefined) return existing;
  return Math.max(0, ...known.values()) + 1;
}

/** What status records about a revision: enough to run its model again once its Deployment is gone. */
export interface RevisionRecord {
  hash: string;
  revision: number;
  version: string;
  uri: string;
  sha256?: string;
}

/**
 * A revision whose Deployment is gone, rebuilt from what status recorded: its model with the spec's
 * current runtime settings. It keeps its own hash (its identity), though the template is approximate.
 */
export function rebuiltRevision(record: Pick<RevisionRecord, 'hash' | 'version' | 'uri' | 'sha256'>, desired: Revision): Revision {
  const model: RevisionTemplate['model'] = { ...desired.template.model, version: record.version, uri: record.uri };
  if (record.sha256) model.sha256 = record.sha256;
  else delete model.sha256;
  return { hash: record.hash, template: { model, runtime: desired.template.runtime } };
}
