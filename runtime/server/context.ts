import type { Logger } from '../log.ts';
import type { RuntimeMetrics } from '../metrics.ts';
import type { ServedModel } from '../model/served-model.ts';
import type { BearerAuth } from './bearer-auth.ts';

/** What every HTTP handler shares: the one served model and the process's cross-cutting services. */
export interface RuntimeContext {
  model: ServedModel;
  metrics: RuntimeMetrics;
  log: Logger;
  auth: BearerAuth | undefined;
  maxBodyBytes: number;
  /** Fraction of inference requests answered with an injected 500, for chaos testing of rollouts. */
  injectErrorRate: number;
  /** Inference requests received and not yet answered; graceful shutdown waits for zero. */
  inflight: { count: number };
}
