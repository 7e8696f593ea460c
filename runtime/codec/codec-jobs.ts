import type { ModelSignature } from '../model/signature.ts';
import { ProtocolError } from '../protocol/errors.ts';
import type { RequestLimits } from '../protocol/request-limits.ts';
import { parseV1PredictText, v1InputsFromDocument } from '../protocol/v1-predict.ts';
import { encodeV1PredictionsBytes } from '../protocol/v1-predictions-bytes.ts';
import { parseV2InferRequest, v2RequestFromDocument } from '../protocol/v2-infer-request.ts';
import type { V2InferRequest } from '../protocol/v2-infer-request.ts';
import { encodeV2InferResponse } from '../protocol/v2-infer-response.ts';
import type { Tensor } from '../tensor/datatypes.ts';
import { readTensorJson } from './streamed-decode.ts';

/**
 * The work a codec thread does (codec-thread.ts), as plain data that crosses between threads: decoding a
 * request body into tensors and encoding a model's outputs into an answer, the protocols' own functions run
 * unchanged on the other side.
 */

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

export type EncodeJob =
  | { protocol: 'v1'; outputs: Record<string, Tensor>; signature: ModelSignature }
  | {
      protocol: 'v2';
      modelName: string;
      modelVersion: string;
      /** What the answer repeats or follows from the request; its inputs stay behind. */
      request: Omit<V2InferRequest, 'inputs'>;
      outputs: Record<string, Tensor>;
      signature: ModelSignature;
    };

/** An encoded answer: JSON, or with binary outputs JSON of `jsonLength` bytes followed by their bytes. */
export interface EncodedAnswer {
  body: Uint8Array;
  jsonLength: number | undefined;
}

export type CodecTask = { kind: 'decode'; job: DecodeJob } | { kind: 'encode'; job: EncodeJob };

/** What comes back. A refusal keeps its status and message (an Error's class does not survive the trip). */
export type CodecOutcome =
  | { id: number; kind: 'decoded'; decoded: DecodedRequest }
  | { id: number; kind: 'encoded'; encoded: EncodedAnswer }
  | { id: number; kind: 'refused'; status: number; message: string }
  | { id: number; kind: 'failed'; message: string };

/**
 * A large body is read by the streaming tensor reader where it can (streamed-decode.ts), and otherwise as
 * small bodies are: JSON.parse, then the protocol's checks. A binary-extension body's JSON part is small and
 * its tensors already bytes: it keeps the usual path.
 *
 * `release` is given the body's bytes once nothing decoded refers to them any more, before the tensors are
 * allocated (the codec thread frees them there and then: codec-worker.ts).
 */
export function decodeJob(job: DecodeJob, release: (bytes: Uint8Array) => void = () => {}): DecodedRequest {
  const { signature, limits } = job;
  const body = job.body;
  if (job.protocol === 'v1') {
    const document = readTensorJson(body, 'v1', signature, limits);
    const text = document === undefined ? takeText(job) : undefined;
    release(body);
    const inputs = text === undefined ? v1InputsFromDocument(document!, signature, limits) : parseV1PredictText(text, signature, limits);
    return { protocol: 'v1', inputs };
  }
  if (job.headerLength === undefined) {
    const document = readTensorJson(body, 'v2', signature, limits);
    if (document !== undefined) {
      release(body);
      return { protocol: 'v2', request: v2RequestFromDocument(document, Buffer.alloc(0), signature, limits) };
    }
  }
  // Binary tensors are views into the body: it stays.
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  return { protocol: 'v2', request: parseV2InferRequest(bytes, job.headerLength, signature, limits) };
}

/** A V1 body's text, the job letting go of its bytes: parsing then allocates tens of megabytes. */
function takeText(job: DecodeJob): string {
  const text = Buffer.from(job.body.buffer, job.body.byteOffset, job.body.byteLength).toString('utf8');
  job.body = new Uint8Array(0);
  return text;
}

export function encodeJob(job: EncodeJob): EncodedAnswer {
  if (job.protocol === 'v1') return { body: encodeV1PredictionsBytes(job.outputs, job.signature), jsonLength: undefined };
  const request: V2InferRequest = { ...job.request, inputs: {} };
  const encoded = encodeV2InferResponse(job.modelName, job.modelVersion, request, job.outputs, job.signature);
  return { body: typeof encoded.body === 'string' ? Buffer.from(encoded.body) : encoded.body, jsonLength: encoded.jsonLength };
}

/**
 * Runs a task and turns what it throws into an outcome a thread can post. `release`: see decodeJob.
 */
export function runCodecTask(id: number, task: CodecTask, release?: (bytes: Uint8Array) => void): CodecOutcome {
  try {
    if (task.kind === 'decode') return { id, kind: 'decoded', decoded: decodeJob(task.job, release) };
    return { id, kind: 'encoded', encoded: encodeJob(task.job) };
  } catch (error) {
    if (error instanceof ProtocolError) return { id, kind: 'refused', status: error.status, message: error.message };
    return { id, kind: 'failed', message: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * What a task or an outcome can move to the other thread instead of copying: every numeric tensor's bytes
 * and the encoded body, each made a buffer of its own first where it is a view into a larger one (a batch's
 * outputs are views into one buffer the other requests of the batch still use).
 */
export function movableBuffers(item: CodecTask | CodecOutcome): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  const own = (view: Uint8Array): Uint8Array => {
    const owned = ownedBytes(view);
    buffers.add(owned.buffer);
    return owned;
  };
  const ownTensors = (tensors: Record<string, Tensor>): void => {
    for (const tensor of Object.values(tensors)) {
      if (Array.isArray(tensor.data)) continue;
      if (!isWholeBuffer(tensor.data)) tensor.data = tensor.data.slice() as typeof tensor.data;
      buffers.add(tensor.data.buffer as ArrayBuffer);
    }
  };
  if (item.kind === 'decode') item.job.body = own(item.job.body);
  else if (item.kind === 'encode') ownTensors(item.job.outputs);
  else if (item.kind === 'decoded') ownTensors(item.decoded.protocol === 'v1' ? item.decoded.inputs : item.decoded.request.inputs);
  else if (item.kind === 'encoded') item.encoded.body = own(item.encoded.body);
  return [...buffers];
}

function isWholeBuffer(view: ArrayBufferView): boolean {
  return view.buffer instanceof ArrayBuffer && view.byteOffset === 0 && view.byteLength === view.buffer.byteLength;
}

function ownedBytes(view: Uint8Array): Uint8Array<ArrayBuffer> {
  return isWholeBuffer(view) ? (view as Uint8Array<ArrayBuffer>) : new Uint8Array(view);
}
