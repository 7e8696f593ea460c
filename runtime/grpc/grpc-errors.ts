import { Metadata, status as GrpcStatus } from '@grpc/grpc-js';
import type { ServiceError } from '@grpc/grpc-js';

/**
 * REST's error statuses as gRPC status codes, the mapping Triton and KServe use. The message is the same
 * sentence REST puts in `{"error": …}`.
 */
const CODE_BY_HTTP_STATUS = new Map<number, GrpcStatus>([
  [400, GrpcStatus.INVALID_ARGUMENT],
  [401, GrpcStatus.UNAUTHENTICATED],
  [404, GrpcStatus.NOT_FOUND],
  [413, GrpcStatus.RESOURCE_EXHAUSTED],
  [429, GrpcStatus.RESOURCE_EXHAUSTED],
  [500, GrpcStatus.INTERNAL],
  [503, GrpcStatus.UNAVAILABLE],
]);

export function grpcError(httpStatus: number, message: string): Partial<ServiceError> {
  return { code: CODE_BY_HTTP_STATUS.get(httpStatus) ?? GrpcStatus.UNKNOWN, details: message, metadata: new Metadata() };
}
