import type { ServedModel } from './served-model.ts';
import type { TensorSpec } from './signature.ts';

/**
 * The served model described as Triton's model configuration (the model configuration extension: REST
 * `/v2/models/{m}/config`, gRPC ModelConfig), from what the runtime knows: the ONNX signature, whether
 * requests are batched and how, and how many workers hold a session. When the model batches, Triton's
 * convention applies: `max_batch_size` > 0 and `dims` leave out the batch dimension.
 */

export interface ModelConfigDocument {
  name: string;
  platform: string;
  backend: string;
  max_batch_size: number;
  input: { name: string; data_type: string; dims: number[] }[];
  output: { name: string; data_type: string; dims: number[] }[];
  instance_group: { name: string; kind: string; count: number }[];
  default_model_filename: string;
  dynamic_batching?: { preferred_batch_size: number[]; max_queue_delay_microseconds: number };
}

/** The model must be loaded (have a signature); callers answer 503 before asking otherwise. */
export function modelConfigDocument(model: ServedModel): ModelConfigDocument {
  const signature = model.signature;
  if (signature === undefined) throw new Error('model configuration asked for before the model loaded');
  const settings = model.settings;
  const batching = model.batchable;
  const describe = (spec: TensorSpec): { name: string; data_type: string; dims: number[] } => ({
    name: spec.name,
    data_type: spec.datatype === 'BYTES' ? 'TYPE_STRING' : `TYPE_${spec.datatype}`,
    dims: batching ? spec.shape.slice(1) : spec.shape,
  });
  const document: ModelConfigDocument = {
    name: model.name,
    platform: 'onnxruntime_onnx',
    backend: 'onnxruntime',
    max_batch_size: batching ? settings.maxBatchSize : 0,
    input: signature.inputs.map(describe),
    output: signature.outputs.map(describe),
    instance_group: [
      { name: model.name, kind: settings.executionProvider === 'cuda' ? 'KIND_GPU' : 'KIND_CPU', count: settings.workerThreads },
    ],
    default_model_filename: 'model.onnx',
  };
  if (batching) {
    document.dynamic_batching = { preferred_batch_size: [], max_queue_delay_microseconds: Math.round(settings.maxQueueDelayMs * 1000) };
  }
  return document;
}
