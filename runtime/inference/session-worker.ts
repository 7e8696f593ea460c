/**
 * A worker thread that owns one onnxruntime session. onnxruntime-node's `run` is synchronous native work, so it
 * happens here and never on the thread that answers HTTP, health probes and metric scrapes.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import ort from 'onnxruntime-node';
import { datatypeOfOrt, ortTypeOf } from '../tensor/datatypes.ts';
import type { Tensor, TensorData } from '../tensor/datatypes.ts';
import { declaresDynamicBatch, signatureFromMetadata } from '../model/signature.ts';
import type { ModelSignature } from '../model/signature.ts';
import { syntheticInputs } from '../model/synthetic-input.ts';
import type { ExecutionProvider, RunRequest, SessionWorkerInit, WorkerMessage } from './messages.ts';
import { freeBuffer } from '../free-buffer.ts';
import { concatenateRows } from './batch-rows.ts';

// Below this size structured cloning is cheaper than detaching and re-wrapping a transferred buffer.
const TRANSFER_THRESHOLD_BYTES = 16 * 1024;

const port = parentPort;
if (port === null) throw new Error('session-worker must run as a worker thread');
const init = workerData as SessionWorkerInit;

function post(message: WorkerMessage, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(message, transfer);
}

function sessionOptions(provider: ExecutionProvider): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: [provider],
    intraOpNumThreads: init.intraOpThreads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
    // Spinning intra-op threads would burn the cores the HTTP thread and the other workers need.
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  };
}

async function openSession(warnings: string[]): Promise<{ session: ort.InferenceSession; provider: ExecutionProvider }> {
  if (init.executionProvider === 'cuda') {
    try {
      return { session: await ort.InferenceSession.create(init.modelBytes, sessionOptions('cuda')), provider: 'cuda' };
    } catch (error) {
      warnings.push(`CUDA execution provider unavailable, using CPU: ${firstLine(error)}`);
    }
  }
  return { session: await ort.InferenceSession.create(init.modelBytes, sessionOptions('cpu')), provider: 'cpu' };
}

function toOrtFeeds(inputs: Record<string, Tensor>): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const [name, tensor] of Object.entries(inputs)) {
    feeds[name] = new ort.Tensor(ortTypeOf(tensor.datatype), tensor.data as never, tensor.shape);
  }
  return feeds;
}

function fromOrtResults(results: ort.InferenceSession.ReturnType, transfer: ArrayBuffer[]): Record<string, Tensor> {
  const outputs: Record<string, Tensor> = {};
  for (const [name, value] of Object.entries(results)) {
    const datatype = datatypeOfOrt(value.type);
    if (datatype === undefined) throw new Error(`output '${name}' has type ${value.type}, which the protocol cannot carry`);
    const data = value.data as TensorData;
    if (!Array.isArray(data) && data.byteLength >= TRANSFER_THRESHOLD_BYTES && data.buffer instanceof ArrayBuffer) {
      transfer.push(data.buffer);
    }
    outputs[name] = { datatype, shape: [...value.dims], data };
  }
  return outputs;
}

/**
 * A request's inputs are this thread's alone once they have arrived (moved here, or copied when small), and
 * onnxruntime has read them by the time `run` resolves. A large one is handed back at once by detaching it,
 * rather than when a collection finds it: this thread allocates little JavaScript, so it collects seldom,
 * and the 16 MiB inputs of maximum-size requests piled up here, several at a time, until one did.
 */
function releaseInputs(inputs: Record<string, Tensor>): void {
  for (const tensor of Object.values(inputs)) {
    if (!Array.isArray(tensor.data) && tensor.data.buffer.byteLength >= TRANSFER_THRESHOLD_BYTES) freeBuffer(tensor.data);
  }
}

/**
 * A batch's requests arrive apart and are joined here rather than on the HTTP thread (batcher.ts says why);
 * each part is freed once copied into the batch.
 */
function joinParts(parts: Record<string, Tensor>[]): Record<string, Tensor> {
  const joined = concatenateRows(parts);
  if (parts.length > 1) for (const part of parts) releaseInputs(part);
  return joined;
}

async function warmUp(session: ort.InferenceSession, signature: ModelSignature, warnings: string[]): Promise<boolean> {
  await session.run(toOrtFeeds(syntheticInputs(signature, 1)));
  if (!declaresDynamicBatch(signature)) return false;
  try {
    const results = await session.run(toOrtFeeds(syntheticInputs(signature, 2)));
    const follows = Object.values(results).every((value) => value.dims[0] === 2);
    if (!follows) warnings.push('outputs do not follow the dynamic batch dimension; requests will not be batched');
    return follows;
  } catch (error) {
    warnings.push(`a batch of 2 failed in warm-up, requests will not be batched: ${firstLine(error)}`);
    return false;
  }
}

/** onnxruntime's messages start with a C++ source location and signature; people need only what follows. */
function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const line = text.split('\n', 1)[0]?.trim() ?? text;
  return line.replace(/^\S+\.(?:cc|h|cpp):\d+ [^(]*\([^)]*\) /, '').replace(/^\[ONNXRuntimeError\] : \d+ : \w+ : /, '');
}

/**
 * Lowers this thread's priority (Linux: threads are tasks with their own id and niceness), so that when every
 * core is busy with inference the kernel still runs the HTTP thread promptly. onnxruntime's intra-op threads,
 * created later by this thread, inherit it. Raising one's own niceness needs no privilege. Elsewhere a no-op.
 */
function yieldToMainThread(): void {
  if (init.niceness <= 0) return;
  try {
    const threadId = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isSafeInteger(threadId) && threadId > 0) setPriority(threadId, init.niceness);
  } catch {
    // not Linux, or /proc is not mounted: run at normal priority
  }
}

async function load(): Promise<ort.InferenceSession | undefined> {
  yieldToMainThread();
  const warnings: string[] = [];
  let opened: { session: ort.InferenceSession; provider: ExecutionProvider };
  try {
    opened = await openSession(warnings);
  } catch (error) {
    post({ kind: 'load-failed', reason: `onnxruntime cannot load the model: ${firstLine(error)}` });
    return undefined;
  }
  let signature: ModelSignature;
  try {
    signature = signatureFromMetadata(opened.session.inputMetadata, opened.session.outputMetadata);
  } catch (error) {
    post({ kind: 'load-failed', reason: firstLine(error) });
    return undefined;
  }
  let batchable: boolean;
  try {
    batchable = await warmUp(opened.session, signature, warnings);
  } catch (error) {
    post({ kind: 'load-failed', reason: `warm-up inference failed: ${firstLine(error)}` });
    return undefined;
  }
  post({ kind: 'loaded', signature, batchable, executionProvider: opened.provider, warnings });
  return opened.session;
}

const session = await load();
if (session !== undefined) {
  port.on('message', async (request: RunRequest) => {
    const started = performance.now();
    try {
      const inputs = joinParts(request.parts);
      const results = await session.run(toOrtFeeds(inputs));
      const inferenceSeconds = (performance.now() - started) / 1000;
      releaseInputs(inputs);
      const transfer: ArrayBuffer[] = [];
      const outputs = fromOrtResults(results, transfer);
      post({ kind: 'result', id: request.id, outputs, inferenceSeconds }, transfer);
    } catch (error) {
      post({ kind: 'run-failed', id: request.id, message: firstLine(error) });
    }
  });
}
