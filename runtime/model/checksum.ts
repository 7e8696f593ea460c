import { createHash } from 'node:crypto';

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Accepts a sha256 as 64 hex digits in either case, optionally prefixed `sha256:`; returns it lower-case. */
export function parseSha256(text: string): string {
  const hex = text.trim().toLowerCase().replace(/^sha256:/, '');
  if (!SHA256_HEX.test(hex)) throw new Error(`'${text}' is not a sha256 digest (64 hex digits)`);
  return hex;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function checksumMismatch(expected: string, actual: string): string {
  return `checksum mismatch: expected sha256 ${expected}, got ${actual}`;
}
