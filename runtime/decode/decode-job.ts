import type { ModelSignature } from '../model/signature.ts';
import { ProtocolError } from '../protocol/errors.ts';
import type { RequestLimits } from '../protocol/request-limits.ts';
import { parseV1PredictRequest } from '../protocol/v1-predict.ts';
import { parseV2InferRequest } from '../protocol/v2-infer-request.ts';
import type { V2InferRequest } from '../protocol/v2-infer-request.ts';
import type { Tensor } from '../tensor/datatypes.ts';

/** One request body to decode, as it travels to a decode worker: plain data only. */
export interface DecodeJob {
  protocol: 'v1' | 'v2';
  body: Uint8Array;
  /** V2's Inference-Header-Content-Length, as the client sent it. */
  headerLength: string | undefined;
  signature: ModelSignature;
  limits: RequestLimits;
}

/** V1 decodes to the model's inputs alone; V2 to the whole infer request. */
export type DecodedRequest = { protocol: 'v1'; inputs: Record<string, Tensor> } | { protocol: 'v2'; request: V2InferRequest };

/** What comes back from a decode worker. A refusal keeps its status and message (an Error's class does not survive the trip). */
export type DecodeOutcome =
  | { id: number; kind: 'decoded'; decoded: DecodedRequest }
  | { id: number; kind: 'refused'; status: number; message: string }
  | { id: number; kind: 'failed'; message: string };

export function decodeJob(job: DecodeJob): DecodedRequest {
  const body = Buffer.from(job.body.buffer, job.body.byteOffset, job.body.byteLength);
  if (job.protocol === 'v1') return { protocol: 'v1', inputs: parseV1PredictRequest(body, job.signature, job.limits) };
  return { protocol: 'v2', request: parseV2InferRequest(body, job.headerLength, job.signature, job.limits) };
}

/** Runs a job and turns what it throws into an outcome a worker can post. */
export function decodeOutcome(id: number, job: DecodeJob): DecodeOutcome {
  try {
    return { id, kind: 'decoded', decoded: decodeJob(job) };
  } catch (error) {
    if (error instanceof ProtocolError) return { id, kind: 'refused', status: error.status, message: error.message };
    return { id, kind: 'failed', message: error instanceof Error ? error.message : String(error) };
  }
}

/** The decoded tensors' buffers, each once: moved to the receiving thread rather than copied. */
export function tensorBuffers(decoded: DecodedRequest): ArrayBuffer[] {
  const inputs = decoded.protocol === 'v1' ? decoded.inputs : decoded.request.inputs;
  const buffers = new Set<ArrayBuffer>();
  for (const tensor of Object.values(inputs)) {
    if (!Array.isArray(tensor.data) && tensor.data.buffer instanceof ArrayBuffer) buffers.add(tensor.data.buffer);
  }
  return [...buffers];
}
