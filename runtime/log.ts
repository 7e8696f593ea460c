import { pino } from 'pino';
import type { Logger } from 'pino';

export type { Logger };

/** JSON lines on stdout, the format log collectors in a cluster expect. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { component: 'modelship-runtime' } });
}
