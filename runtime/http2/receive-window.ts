import { MAX_WINDOW } from './frames.ts';

/**
 * One receive window (RFC 9113, 6.9): what the client may still send, and what it has sent since this
 * server last said so. Data is taken as it arrives, so the window is reopened once half of it is used — one
 * WINDOW_UPDATE per half window rather than one per frame. A stream's window can be held shut, so that the
 * client sends no more than is open until the server has room for what it declared (grpc/message-admission.ts).
 */
export class ReceiveWindow {
  readonly #size: number;
  #open: number;
  #unacknowledged = 0;
  #held = false;

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

  /** The increment to announce in a WINDOW_UPDATE now, or 0 while less than half the window is used or it is held. */
  release(): number {
    if (this.#held || this.#unacknowledged < this.#size / 2) return 0;
    const increment = this.#unacknowledged;
    this.#open += increment;
    this.#unacknowledged = 0;
    return increment;
  }

  /** Reopens nothing until `allow`: the client may send what is open now and no more. */
  hold(): void {
    this.#held = true;
  }

  /**
   * Ends a hold, opening the window to at least `octets` (never past 2^31-1): the increment to announce, 0 when
   * it was open that far already. Half-window reopening resumes from here.
   */
  allow(octets: number): number {
    this.#held = false;
    const increment = Math.max(0, Math.min(octets, MAX_WINDOW) - this.#open);
    this.#open += increment;
    this.#unacknowledged = 0;
    return increment;
  }
}
