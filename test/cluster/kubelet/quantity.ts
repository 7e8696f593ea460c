// Kubernetes resource quantities ("500m", "1Gi", "2", "1e3") as plain numbers
// of the base unit, enough for resourceFieldRef and node capacity.

const SUFFIXES: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

export function parseQuantity(text: string): number {
  const match = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$/.exec(text.trim());
  if (!match) throw new Error(`not a quantity: ${JSON.stringify(text)}`);
  const number = Number(match[1]);
  if (match[2]) return number * 10 ** Number(match[2].slice(1));
  return number * SUFFIXES[match[3] ?? '']!;
}

/**
 * The value a resourceFieldRef exposes: the quantity divided by the divisor,
 * rounded up to a whole number, as the kubelet does ("250m" cpu with divisor
 * 1 is "1"; with divisor "1m" it is "250").
 */
export function formatForDivisor(value: number, divisor: string | undefined): string {
  const by = divisor ? parseQuantity(divisor) : 1;
  if (by <= 0) throw new Error(`divisor must be positive: ${divisor}`);
  // Guard against float noise such as 0.1 * 3 / 0.001 = 300.00000000000006.
  const ratio = Math.round((value / by) * 1e6) / 1e6;
  return String(Math.ceil(ratio));
}
