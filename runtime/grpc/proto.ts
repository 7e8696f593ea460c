import { fileURLToPath } from 'node:url';
import { loadPackageDefinition } from '@grpc/grpc-js';
import type { ServiceDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

/**
 * The inference service's definition, loaded from the .proto at start (ADR 0004 says why proto-loader and
 * not generated code). 64-bit integers arrive as decimal strings so that INT64/UINT64 tensor elements keep
 * every bit; shapes are converted to numbers where requests are decoded.
 */

export const PROTO_PATH = fileURLToPath(new URL('./grpc_predict_v2.proto', import.meta.url));

const packageDefinition = loadSync(PROTO_PATH, {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: false,
  arrays: true,
  oneofs: true,
});

const loaded = loadPackageDefinition(packageDefinition) as unknown as {
  inference: { GRPCInferenceService: { service: ServiceDefinition } };
};

export const INFERENCE_SERVICE: ServiceDefinition = loaded.inference.GRPCInferenceService.service;
export const INFERENCE_SERVICE_NAME = 'inference.GRPCInferenceService';
