/**
 * Admits large request bodies into memory up to a byte budget (the body limit), first come first served: a
 * request over it waits, its body unread, until earlier ones have been decoded. Two clients sending bodies
 * of the maximum size back to back would otherwise hold two bodies and a decode at once; admitted one at a
 * time, the process holds about one body beside the decode of another. The codec thread decodes one body at
 * a time anyway, so admitting more at once would only have them wait in memory instead of in the socket.
 *
 * A client that declares a large body and then trickles it holds its share until the server's request
 * timeout ends it (--request-timeout-seconds); small bodies and probes never wait here.
 */
export class LargeBodyGate {
  readonly #budget: number;
  #admitted = 0;
  readonly #waiting: { bytes: number; admit: () => void }[] = [];

  constructor(budgetBytes: number) {
    this.#budget = budgetBytes;
  }

  /** Bytes admitted and not yet released. */
  get admittedBytes(): number {
    return this.#admitted;
  }

  get waiting(): number {
    return this.#waiting.length;
  }

  /**
   * Resolves, once `bytes` fit the budget beside those admitted before, with the function that gives them
   * back (idempotent). A body larger than the whole budget is admitted alone.
   */
  admit(bytes: number): Promise<() => void> {
    const share = Math.min(bytes, this.#budget);
    return new Promise((resolve) => {
      this.#waiting.push({ bytes: share, admit: () => resolve(this.#releaser(share)) });
      this.#admitWaiting();
    });
  }

  #releaser(bytes: number): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#admitted -= bytes;
      this.#admitWaiting();
    };
  }

  /** In order: a large body first in line is not passed by smaller ones behind it. */
  #admitWaiting(): void {
    while (this.#waiting.length > 0 && this.#admitted + this.#waiting[0]!.bytes <= this.#budget) {
      const next = this.#waiting.shift()!;
      this.#admitted += next.bytes;
      next.admit();
    }
  }
}
