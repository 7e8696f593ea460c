import { InvalidArgumentError, Option } from 'commander';
import { parseSha256 } from '../model/checksum.ts';

/**
 * A command-line option that also reads `MODELSHIP_<FLAG_IN_UPPER_SNAKE>` from the environment, as the
 * contract between the operator and the runtime says (docs/adr/0001-contracts-between-parts.md).
 */
export function envOption(flags: string, description: string): Option {
  const long = /--([a-z0-9-]+)/.exec(flags)?.[1];
  if (long === undefined) throw new Error(`option '${flags}' has no long flag`);
  return new Option(flags, description).env(`MODELSHIP_${long.toUpperCase().replaceAll('-', '_')}`);
}

export function integerAtLeast(minimum: number): (text: string) => number {
  return (text) => {
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value < minimum) throw new InvalidArgumentError(`must be an integer >= ${minimum}`);
    return value;
  };
}

export function fraction(text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0 || value > 1) throw new InvalidArgumentError('must be a number from 0 to 1');
  return value;
}

export function nonNegativeNumber(text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) throw new InvalidArgumentError('must be a number >= 0');
  return value;
}

/** A malformed digest is a usage error (exit 2) like any other bad flag, not a failed fetch (exit 1). */
export function sha256Digest(text: string): string {
  try {
    return parseSha256(text);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}
