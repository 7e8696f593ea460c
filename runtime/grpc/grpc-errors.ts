/** The gRPC status codes the listener answers (https://grpc.github.io/grpc/core/md_doc_statuscodes.html). */
export const GrpcStatus = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

/** A call's failure: the status code and the sentence sent as `grpc-message`. */
export class GrpcError extends Error {
  readonly code: number;

  constructor(code: number, message: string) {
    super(message);
    this.code = code;
  }
}

/**
 * REST's error statuses as gRPC status codes, the mapping Triton and KServe use. The message is the same
 * sentence REST puts in `{"error": …}`.
 */
const CODE_BY_HTTP_STATUS = new Map<number, number>([
  [400, GrpcStatus.INVALID_ARGUMENT],
  [401, GrpcStatus.UNAUTHENTICATED],
  [404, GrpcStatus.NOT_FOUND],
  [413, GrpcStatus.RESOURCE_EXHAUSTED],
  [429, GrpcStatus.RESOURCE_EXHAUSTED],
  [500, GrpcStatus.INTERNAL],
  [503, GrpcStatus.UNAVAILABLE],
]);

export function grpcError(httpStatus: number, message: string): GrpcError {
  return new GrpcError(CODE_BY_HTTP_STATUS.get(httpStatus) ?? GrpcStatus.UNKNOWN, message);
}

/** Printable ASCII but '%' travels as is; everything else is percent-encoded UTF-8, as the gRPC spec asks. */
const PLAIN_MESSAGE = /^[\x20-\x24\x26-\x7e]*$/;

export function encodeGrpcMessage(message: string): string {
  if (PLAIN_MESSAGE.test(message)) return message;
  let encoded = '';
  for (const byte of Buffer.from(message, 'utf8')) {
    encoded += byte >= 0x20 && byte <= 0x7e && byte !== 0x25 ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return encoded;
}
