// The bookkeeping every inference request shares, whatever its protocol (REST V1/V2, gRPC): it counts as
// in flight while it runs, and when it ends it is either judged — counted in the request counter and the
// latency histogram the operator's rollout analysis reads — or counted apart as rejected. Only a request that
// reached the model (authenticated, addressed to it, decoded) and did not end in a client error is judged,
// so traffic nobody should send cannot steer a rollout (docs/rollouts.md).
import type { Protocol } from '../metrics.ts';
import { ProtocolError } from '../protocol/errors.ts';
import type { RuntimeContext } from './context.ts';
import { isClientError } from './respond.ts';

export class JudgedRequest {
  readonly #context: RuntimeContext;
  readonly #protocol: Protocol;
  readonly #started = performance.now();
  #addressed = false;
  #reachedModel = false;
  status = 200;

  constructor(context: RuntimeContext, protocol: Protocol) {
    this.#context = context;
    this.#protocol = protocol;
    context.inflight.count++;
  }

  /** Authenticated and addressed to the served model: a refusal from here on is the model's (Triton counts it). */
  addressed(): void {
    this.#addressed = true;
  }

  /**
   * Decoded and about to run. The runtime's --inject-error-rate fails requests here, where an inference
   * failure would happen, so that an injected failure is judged like a real one.
   */
  reachedModel(): void {
    this.#reachedModel = true;
    const rate = this.#context.injectErrorRate;
    if (rate > 0 && Math.random() < rate) throw new ProtocolError(500, 'injected failure');
  }

  finish(): void {
    const context = this.#context;
    context.inflight.count--;
    const seconds = (performance.now() - this.#started) / 1000;
    if (this.#reachedModel && !isClientError(this.status)) context.metrics.requestAnswered(this.#protocol, this.status, seconds);
    else context.metrics.requestRejected(this.status, this.#addressed ? seconds : undefined);
  }
}
