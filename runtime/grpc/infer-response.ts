import type { Tensor } from '../tensor/datatypes.ts';
import { binaryTensorBytes } from '../tensor/binary-tensor.ts';
import type { GrpcInferRequest } from './infer-request.ts';
import type { InferOutputTensor, ModelInferResponse } from './messages.ts';
import { tensorContents } from './tensor-contents.ts';

/** Builds a ModelInferResponse: raw_output_contents for clients that sent raw inputs, typed contents otherwise. */
export function encodeInferResponse(
  modelName: string,
  modelVersion: string,
  request: GrpcInferRequest,
  outputs: Record<string, Tensor>,
): ModelInferResponse {
  const tensors: InferOutputTensor[] = [];
  const raw: Uint8Array[] = [];
  for (const name of request.outputs) {
    const tensor = outputs[name];
    if (tensor === undefined) throw new Error(`inference returned no output '${name}'`);
    const output: InferOutputTensor = { name, datatype: tensor.datatype, shape: tensor.shape };
    if (request.rawOutputs) raw.push(binaryTensorBytes(tensor.data));
    else output.contents = tensorContents(tensor.datatype, tensor.data);
    tensors.push(output);
  }
  return { model_name: modelName, model_version: modelVersion, id: request.id, outputs: tensors, raw_output_contents: raw };
}
