/**
 * One receive window (RFC 9113, 6.9): what the client may still send, and what it has sent since this
 * server last said so. Data is taken as it arrives, so the window is reopened once half of it is used — one
 * WINDOW_UPDATE per half window rather than one per frame.
 */
export class ReceiveWindow {
  readonly #size: number;
  #open: number;
  #unacknowledged = 0;

  constructor(size: number) {
    this.#size = size;
    this.#open = size;
  }

  /** False when `octets` is more than the window allows: a FLOW_CONTROL_ERROR. */
  take(octets: number): boolean {
    if (octets > this.#open) return false;
    this.#open -= octets;
    this.#unacknowledged += octets;
    return true;
  }

  /** The increment to announce in a WINDOW_UPDATE now, or 0 while less than half the window is used. */
  release(): number {
    if (this.#unacknowledged < this.#size / 2) return 0;
    const increment = this.#unacknowledged;
    this.#open += increment;
    this.#unacknowledged = 0;
    return increment;
  }
}
