import pino from 'pino';
import type { Logger } from 'pino';

/** JSON lines on stdout, one logger for the whole process; children add context (controller, key). */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { component: 'modelship-operator' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
}
