import { fileURLToPath } from 'node:url';
import { loadSync } from '@grpc/proto-loader';
import type { ServiceDefinition } from '@grpc/proto-loader';

/**
 * The services' definitions, loaded from the .proto files at start (ADR 0004 says why proto-loader and not
 * generated code). 64-bit integers arrive as decimal strings so that INT64/UINT64 tensor elements keep
 * every bit; shapes are converted to numbers where requests are decoded. Each method's definition carries
 * its path (`/package.Service/Method`) and the protobufjs (de)serialisers the listener uses; grpc-js
 * clients (tests, benches) take the same definitions.
 */

export const PROTO_PATH = fileURLToPath(new URL('./grpc_predict_v2.proto', import.meta.url));
export const HEALTH_PROTO_PATH = fileURLToPath(new URL('./health.proto', import.meta.url));

const OPTIONS = { keepCase: true, longs: String, enums: String, defaults: false, arrays: true, oneofs: true };

export const INFERENCE_SERVICE_NAME = 'inference.GRPCInferenceService';
export const HEALTH_SERVICE_NAME = 'grpc.health.v1.Health';

export const INFERENCE_SERVICE = loadSync(PROTO_PATH, OPTIONS)[INFERENCE_SERVICE_NAME] as ServiceDefinition;
export const HEALTH_SERVICE = loadSync(HEALTH_PROTO_PATH, OPTIONS)[HEALTH_SERVICE_NAME] as ServiceDefinition;
