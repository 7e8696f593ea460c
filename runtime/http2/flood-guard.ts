/**
 * A token bucket: `burst` at once, refilled at `perSecond`. Guards a connection against clients that make
 * the server work without asking for anything — resetting streams as fast as they open them (CVE-2023-44487),
 * or a stream of PINGs, SETTINGS or empty frames — as nghttp2's rate limits guard `node:http2`.
 */
export class FloodGuard {
  readonly #burst: number;
  readonly #perMs: number;
  #tokens: number;
  #filledAt = performance.now();

  constructor(burst: number, perSecond: number) {
    this.#burst = burst;
    this.#perMs = perSecond / 1000;
    this.#tokens = burst;
  }

  /** False once the client has gone over its rate. */
  take(count: number): boolean {
    const now = performance.now();
    this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#filledAt) * this.#perMs);
    this.#filledAt = now;
    this.#tokens -= count;
    return this.#tokens >= 0;
  }
}
