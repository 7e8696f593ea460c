/** An API server answer other than 2xx, with the Status reason when the server sent one. */
export class ApiError extends Error {
  readonly statusCode: number;
  readonly reason: string | undefined;

  constructor(statusCode: number, message: string, reason?: string) {
    super(message);
    this.name = 'ApiError';
    this.statusCode = statusCode;
    this.reason = reason;
  }
}

export function isNotFound(err: unknown): boolean {
  return err instanceof ApiError && err.statusCode === 404;
}

export function isConflict(err: unknown): boolean {
  return err instanceof ApiError && err.statusCode === 409;
}

export function isGone(err: unknown): boolean {
  return err instanceof ApiError && err.statusCode === 410;
}

/**
 * A request the server refused for a reason that no retry will fix (invalid
 * object, forbidden field). Reconcile reports these in status instead of
 * retrying them forever.
 */
export function isInvalid(err: unknown): boolean {
  return err instanceof ApiError && (err.statusCode === 422 || err.statusCode === 400);
}
