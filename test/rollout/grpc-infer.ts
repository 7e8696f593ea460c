// The steady client's gRPC path: one ModelInfer per request, each over a channel (and so a connection) of
// its own, with the runtime's own proto (runtime/grpc/grpc_predict_v2.proto), raw contents as Triton's
// clients send them. A ClusterIP balances connections, not requests: a channel kept open would pin every
// call to the one pod kube-proxy picked for it.
import { credentials, makeGenericClientConstructor, Metadata, status as GrpcStatus } from '@grpc/grpc-js';
import type { ServiceError } from '@grpc/grpc-js';
import { INFERENCE_SERVICE } from '../../runtime/grpc/proto.ts';

const InferenceClient = makeGenericClientConstructor(INFERENCE_SERVICE, 'GRPCInferenceService');
const ROW = new Float32Array([0.03, 0.05, 0.06, 0.02, -0.04, -0.03, -0.04, 0, 0.02, -0.02]);

type InferCall = (request: object, metadata: Metadata, options: { deadline: number }, callback: (error: ServiceError | null, response?: { model_version?: string }) => void) => void;

/** grpc-js shares connections between channels to one address unless each channel keeps its own pool. */
const OWN_CONNECTION = { 'grpc.use_local_subchannel_pool': 1 };

/** The HTTP status REST would have answered for a gRPC status (what the steady client counts as 5xx). */
const HTTP_BY_CODE = new Map<number, number>([
  [GrpcStatus.OK, 200],
  [GrpcStatus.INVALID_ARGUMENT, 400],
  [GrpcStatus.NOT_FOUND, 404],
  [GrpcStatus.RESOURCE_EXHAUSTED, 429],
  [GrpcStatus.INTERNAL, 500],
  [GrpcStatus.UNAVAILABLE, 503],
]);

export function grpcInfer(hostPort: string, model: string, label: string): Promise<{ status: number; version?: string; error: string }> {
  const client = new InferenceClient(hostPort, credentials.createInsecure(), OWN_CONNECTION);
  const request = {
    model_name: model,
    inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 10] }],
    raw_input_contents: [new Uint8Array(ROW.buffer)],
  };
  const call = (client as unknown as { ModelInfer: InferCall }).ModelInfer.bind(client);
  return new Promise((resolve) => {
    call(request, new Metadata(), { deadline: Date.now() + 10_000 }, (error, response) => {
      client.close();
      if (error) {
        resolve({ status: HTTP_BY_CODE.get(error.code) ?? 0, error: `${label}: gRPC ${GrpcStatus[error.code]} ${error.details}` });
        return;
      }
      const version = response?.model_version;
      resolve({ status: 200, ...(version ? { version } : {}), error: version ? '' : 'no model_version in the answer' });
    });
  });
}
