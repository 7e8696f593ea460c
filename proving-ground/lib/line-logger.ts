import pino from 'pino';
import type { Logger } from 'pino';

/**
 * A pino logger whose JSON lines go to a component's plain log file, prefixed with the component's name.
 * src/kube's Informer logs through pino; the kubelet and the provisioner write plain lines to one file.
 */
export function lineLogger(prefix: string, log: (line: string) => void): Logger {
  return pino(
    { base: undefined, timestamp: false, formatters: { level: (label) => ({ level: label }) } },
    { write: (line: string) => log(`${prefix}: ${line.trimEnd()}`) },
  );
}
