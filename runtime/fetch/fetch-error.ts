/** A fetch failure with a message for the person reading the init container's log, and whether to try again. */
export class FetchError extends Error {
  readonly retryable: boolean;

  constructor(message: string, retryable: boolean) {
    super(message);
    this.name = 'FetchError';
    this.retryable = retryable;
  }
}
