import { sameQuantity } from '../kube/quantity.ts';

/**
 * Whether `live` already holds every field of `desired` with an equal value:
 * the question "would applying `desired` change anything we own?".
 *
 * - Fields only in `live` are ignored: they are defaults the API server filled
 *   in, or fields other managers own, which an apply would not touch anyway.
 * - Lists of named items (containers, env, volumes, ports) match by name, so an
 *   item another manager added does not make us apply forever; other lists
 *   must match item by item.
 * - Quantities under resources compare by amount ("0.5" equals "500m").
 * - An empty desired value (`{}`, `[]`, `""`, false, 0) matches a missing one,
 *   since the server drops empty optional fields.
 *
 * Removals (a field we applied before and no longer want) cannot be seen
 * here; the applied-hash annotation (apply.ts) catches those.
 */
export function semanticallyContains(live: unknown, desired: unknown, quantities = false): boolean {
  if (desired === undefined) return true;
  if (live === undefined || live === null) return isEmpty(desired);
  if (quantities && sameQuantity(live, desired)) return true;
  if (Array.isArray(desired)) return Array.isArray(live) && listContains(live, desired);
  if (isObject(desired)) {
    if (!isObject(live)) return false;
    for (const [k, v] of Object.entries(desired)) {
      // Values inside resources.requests / resources.limits are quantities.
      const inQuantityMap = quantities || k === 'requests' || k === 'limits';
      if (!semanticallyContains(live[k], v, inQuantityMap)) return false;
    }
    return true;
  }
  return live === desired;
}

function listContains(live: unknown[], desired: unknown[]): boolean {
  if (desired.every((d) => isObject(d) && typeof d.name === 'string')) {
    const byName = new Map(live.filter(isObject).map((l) => [l.name, l]));
    // Order matters for env ($(VAR) refers to earlier entries) and containers, so it must match too.
    let lastIndex = -1;
    for (const d of desired as Record<string, unknown>[]) {
      const l = byName.get(d.name);
      if (!l || !semanticallyContains(l, d)) return false;
      const index = live.indexOf(l);
      if (index < lastIndex) return false;
      lastIndex = index;
    }
    return true;
  }
  return live.length === desired.length && desired.every((d, i) => semanticallyContains(live[i], d));
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isEmpty(v: unknown): boolean {
  if (Array.isArray(v)) return v.length === 0;
  if (isObject(v)) return Object.values(v).every((x) => x === undefined);
  return v === '' || v === false || v === 0 || v === null;
}
