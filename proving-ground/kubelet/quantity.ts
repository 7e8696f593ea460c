// Kubernetes resource quantities ("500m", "1Gi", "2", "1e3") as plain numbers
// of the base unit, enough for resourceFieldRef and node capacity.

import { parseQuantity as quantityOrUndefined } from '../../src/kube/quantity.ts';

export function parseQuantity(text: string): number {
  const value = quantityOrUndefined(text);
  if (value === undefined) throw new Error(`not a quantity: ${JSON.stringify(text)}`);
  return value;
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
