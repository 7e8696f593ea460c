import { createHash } from 'node:crypto';
import { GROUP } from '../api/constants.ts';
import { canonicalJson } from '../util/canonical-json.ts';
import type { KubeObject } from '../kube/object.ts';
import { semanticallyContains } from './compare.ts';

/** The one field manager for everything the operator writes. */
export const FIELD_MANAGER = 'modelship';

/**
 * Hash of the last configuration the operator applied to a child. Comparing
 * values alone cannot tell that we stopped wanting a field (it stays on the
 * object until an apply drops it); a changed hash can.
 */
export const APPLIED_HASH = `${GROUP}/applied-hash`;

/** `desired` plus its own hash as an annotation: what is sent to the API server. */
export function withAppliedHash<T extends object>(desired: T): T {
  const hash = createHash('sha256').update(canonicalJson(desired)).digest('hex').slice(0, 16);
  const d = desired as T & { metadata?: { annotations?: Record<string, string> } };
  return { ...d, metadata: { ...d.metadata, annotations: { ...d.metadata?.annotations, [APPLIED_HASH]: hash } } };
}

/**
 * Whether an apply of `body` (from withAppliedHash) would change `live`: it
 * is missing, our intent changed since the last apply, or someone changed or
 * removed a field we own.
 */
export function needsApply(live: KubeObject | undefined, body: KubeObject): boolean {
  if (!live) return true;
  if (live.metadata.annotations?.[APPLIED_HASH] !== body.metadata.annotations?.[APPLIED_HASH]) return true;
  return !semanticallyContains(live, body);
}
