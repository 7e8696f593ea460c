// Durations in the API are strings such as "30s", "5m", "1h30m" or "500ms": a subset of Go's
// time.ParseDuration syntax, so CEL's duration() accepts every value the schema lets through.

/** One or more `<integer><unit>` parts, units ms, s, m, h. The CRD uses the same expression in CEL. */
export const DURATION_PATTERN = '^([0-9]{1,9}(ms|s|m|h))+$';
const DURATION_RE = new RegExp(DURATION_PATTERN);
const PART_RE = /([0-9]+)(ms|s|m|h)/g;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function isDuration(text: string): boolean {
  return DURATION_RE.test(text);
}

/** Milliseconds in a duration string; throws on text the API would have rejected. */
export function parseDuration(text: string): number {
  if (!DURATION_RE.test(text)) throw new Error(`invalid duration ${JSON.stringify(text)}: use forms like 30s, 5m, 1h30m, 500ms`);
  let total = 0;
  for (const match of text.matchAll(PART_RE)) {
    total += Number(match[1]) * (UNIT_MS[match[2] ?? ''] ?? 0);
  }
  return total;
}

/** The shortest duration string for a whole number of milliseconds, e.g. 90_000 → "1m30s". */
export function formatDuration(ms: number): string {
  if (!Number.isInteger(ms) || ms < 0) throw new Error(`cannot format ${ms} ms as a duration`);
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const [unit, size] of [['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * size;
  }
  return out;
}
