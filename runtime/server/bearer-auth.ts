import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ProtocolError } from '../protocol/errors.ts';

/**
 * Optional bearer-token check for model endpoints. Comparing digests keeps the comparison constant-time
 * whatever the presented token's length.
 */
export class BearerAuth {
  readonly #expectedDigest: Buffer;

  constructor(token: string) {
    this.#expectedDigest = digest(token);
  }

  check(req: IncomingMessage): void {
    this.checkHeader(req.headers.authorization);
  }

  /** The same check for an `authorization` value from elsewhere (gRPC metadata). */
  checkHeader(header: string | undefined): void {
    const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (match === null || !timingSafeEqual(digest(match[1]!), this.#expectedDigest)) {
      throw new ProtocolError(401, 'missing or invalid bearer token');
    }
  }
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
