import type { IncomingMessage } from 'node:http';
import type { Logger } from '../log.ts';
import type { RuntimeMetrics } from '../metrics.ts';
import type { ServedModel } from '../model/served-model.ts';
import type { BearerAuth } from './bearer-auth.ts';
import type { RequestLimits } from '../protocol/request-limits.ts';
import type { CodecThread } from '../codec/codec-thread.ts';
import type { LargeBodyGate } from './large-body-gate.ts';

/** What every HTTP handler shares: the one served model and the process's cross-cutting services. */
export interface RuntimeContext {
  model: ServedModel;
  metrics: RuntimeMetrics;
  log: Logger;
  auth: BearerAuth | undefined;
  maxBodyBytes: number;
  limits: RequestLimits;
  /** Fraction of inference requests answered with an injected 500, for chaos testing of rollouts. */
  injectErrorRate: number;
  inflight: InflightRequests;
  /** Decodes large request bodies and encodes large answers away from the HTTP thread. */
  codec: CodecThread;
  /** Admits large bodies into memory up to the body limit at a time. */
  largeBodies: LargeBodyGate;
}

export interface InflightRequests {
  /** Inference requests received and not yet answered; graceful shutdown waits for zero. */
  count: number;
  /** Of those, the ones whose body is still arriving: graceful shutdown gives them only a short grace. */
  receiving: Set<IncomingMessage>;
}
