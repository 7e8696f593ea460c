/** A connection error (RFC 9113, 5.4.1): the connection ends with GOAWAY carrying `code`. */
export class ConnectionError extends Error {
  readonly code: number;

  constructor(code: number, message: string) {
    super(message);
    this.code = code;
  }
}
