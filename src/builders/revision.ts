import { createHash } from 'node:crypto';
import type { ModelDeployment, StableRevision, HistoryEntry } from '../api/types.ts';

/**
 * A revision is what a set of runtime pods serves: one model version, from one
 * URI, checked against one sha256, run with one runtime template. Its hash
 * names it in labels (modelship.io/revision) and tells the reconcile whether
 * what runs is what the spec asks for. Replicas and autoscaling are not part
 * of it: scaling never starts a rollout.
 */
export interface Revision {
  hash: string;
  version: string;
  uri: string;
  sha256?: string;
  /** The runtime image after the operator's default is applied. */
  image: string;
}

/** The revision the spec asks for. `defaultImage` is the operator's configured runtime image. */
export function desiredRevision(md: Pick<ModelDeployment, 'metadata' | 'spec'>, defaultImage: string): Revision {
  const { model, runtime } = md.spec;
  const image = runtime?.image ?? defaultImage;
  const template = {
    model: { name: model.name ?? md.metadata.name, version: model.version, uri: model.uri, sha256: model.sha256, credentialsSecret: model.credentialsSecret },
    runtime: { ...runtime, image },
  };
  const hash = createHash('sha256').update(canonicalJson(template)).digest('hex').slice(0, 10);
  return { hash, version: model.version, uri: model.uri, ...(model.sha256 ? { sha256: model.sha256 } : {}), image };
}

/**
 * The revision number for `hash`: the stable revision's number when it is the
 * same revision, else one more than any number used so far. Derived from
 * status alone, so a restarted operator computes the same number.
 */
export function revisionNumber(hash: string, stable: StableRevision | undefined, history: HistoryEntry[] | undefined): number {
  if (stable?.hash === hash) return stable.revision;
  const used = [stable?.revision ?? 0, ...(history ?? []).map((h) => h.revision)];
  return Math.max(...used) + 1;
}

/** JSON with object keys sorted and undefined dropped, so equal values hash equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = sortKeys(v);
    }
    return out;
  }
  return value;
}
