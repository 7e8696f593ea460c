/**
 * An error whose message is safe to show the client, with the HTTP status the protocol gives it.
 * Anything thrown that is not a ProtocolError is answered as a 500 with a generic message and logged.
 */
export class ProtocolError extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.name = 'ProtocolError';
    this.status = status;
  }
}

export function badRequest(message: string): ProtocolError {
  return new ProtocolError(400, message);
}

export function notFound(message: string): ProtocolError {
  return new ProtocolError(404, message);
}
