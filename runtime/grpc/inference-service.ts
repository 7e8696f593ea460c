import type { RequestHeaders } from '../http2/request-headers.ts';
import { modelConfigDocument } from '../model/model-config.ts';
import { ProtocolError } from '../protocol/errors.ts';
import type { RuntimeContext } from '../server/context.ts';
import { checkModelAddress } from '../server/model-address.ts';
import { JudgedRequest } from '../server/judged-request.ts';
import { errorAnswer } from '../server/respond.ts';
import { SERVER_EXTENSIONS } from '../server/health-endpoints.ts';
import { RUNTIME_NAME, RUNTIME_VERSION } from '../version.ts';
import type { GrpcCall } from './grpc-call.ts';
import type { UnaryHandler } from './grpc-dispatch.ts';
import { grpcError } from './grpc-errors.ts';
import { decodeInferRequest } from './infer-request.ts';
import { encodeInferResponse } from './infer-response.ts';
import type { ModelAddressRequest, ModelInferRequest, ModelInferResponse } from './messages.ts';

/**
 * GRPCInferenceService: the REST API's twin. Every RPC runs the same checks in the same order as its REST
 * endpoint (auth on model RPCs, model address, readiness) with the same shared functions, and ModelInfer is
 * counted in the same metrics with protocol="grpc" and the status code REST would have answered, so the
 * operator's rollout analysis judges gRPC traffic like REST traffic.
 */

type Metadata = RequestHeaders;

/** The handlers by method name, as grpc_predict_v2.proto names them. */
export function inferenceService(context: RuntimeContext): Record<string, UnaryHandler> {
  const model = context.model;
  const unary = unaryWith(context);
  return {
    ServerLive: unary(() => ({ live: true })),
    ServerReady: unary(() => ({ ready: model.notReadyReason() === undefined })),
    ModelReady: unary((request: ModelAddressRequest) => {
      checkModelAddress(model, request.name ?? '', versionOf(request.version));
      return { ready: model.notReadyReason() === undefined };
    }),
    ServerMetadata: unary(() => ({ name: RUNTIME_NAME, version: RUNTIME_VERSION, extensions: SERVER_EXTENSIONS })),
    ModelMetadata: unary((request: ModelAddressRequest, metadata) => {
      const signature = loadedModel(context, request, metadata);
      return { name: model.name, versions: [model.version], platform: 'onnxruntime_onnx', inputs: signature.inputs, outputs: signature.outputs };
    }),
    ModelConfig: unary((request: ModelAddressRequest, metadata) => {
      loadedModel(context, request, metadata);
      return { config: modelConfigDocument(model) };
    }),
    ModelStatistics: unary((request: ModelAddressRequest, metadata) => {
      context.auth?.checkHeader(authorization(metadata));
      // Triton answers for every model when no name is given; this runtime has one.
      if (request.name) checkModelAddress(model, request.name, versionOf(request.version));
      return { model_stats: [context.metrics.statistics.document(model.name, model.version)] };
    }),
    ModelInfer: (request: ModelInferRequest, call: GrpcCall) => modelInfer(context, request, call.headers),
  };
}

async function modelInfer(context: RuntimeContext, request: ModelInferRequest, metadata: Metadata): Promise<ModelInferResponse> {
  const judged = new JudgedRequest(context, 'grpc');
  try {
    const signature = loadedModel(context, { name: request.model_name, version: request.model_version }, metadata);
    judged.addressed();
    if (context.model.state.phase === 'failed') throw new ProtocolError(503, context.model.notReadyReason() ?? 'model is not ready');
    const decoded = decodeInferRequest(request, signature, context.limits);
    judged.reachedModel();
    const outputs = await context.model.infer(decoded.inputs);
    return encodeInferResponse(context.model.name, context.model.version, decoded, outputs);
  } catch (error) {
    const answer = errorAnswer(error);
    judged.status = answer.status;
    if (answer.unexpected) context.log.error({ err: error, rpc: 'ModelInfer' }, 'inference request failed unexpectedly');
    throw grpcError(answer.status, answer.message);
  } finally {
    judged.finish();
  }
}

/** Auth, address and a loaded signature: what every model RPC but ModelReady needs first. */
function loadedModel(context: RuntimeContext, request: ModelAddressRequest, metadata: Metadata) {
  context.auth?.checkHeader(authorization(metadata));
  checkModelAddress(context.model, request.name ?? '', versionOf(request.version));
  const signature = context.model.signature;
  if (signature === undefined) throw new ProtocolError(503, context.model.notReadyReason() ?? 'model is not ready');
  return signature;
}

/** An empty version means "whichever is served", as in Triton and KServe. */
function versionOf(version: string | undefined): string | undefined {
  return version === undefined || version === '' ? undefined : version;
}

/** gRPC metadata are the request's HTTP/2 headers; `authorization` carries the bearer token as on REST. */
function authorization(metadata: Metadata): string | undefined {
  const value = metadata.authorization;
  return typeof value === 'string' ? value : undefined;
}

/**
 * Synchronous RPCs: errors thrown by `produce` are answered with the code matching REST's status; unexpected
 * ones are logged with their stack, which the client never sees.
 */
function unaryWith(context: RuntimeContext) {
  return <Request>(produce: (request: Request, metadata: Metadata) => object): UnaryHandler =>
    (request: Request, call: GrpcCall) => {
      try {
        return produce(request, call.headers);
      } catch (error) {
        const answer = errorAnswer(error);
        if (answer.unexpected) context.log.error({ err: error, rpc: call.path }, 'gRPC call failed unexpectedly');
        throw grpcError(answer.status, answer.message);
      }
    };
}
