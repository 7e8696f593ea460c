import { badRequest } from '../protocol/errors.ts';
import { isDatatype } from '../tensor/datatypes.ts';
import type { Tensor } from '../tensor/datatypes.ts';
import { readBinaryTensorData } from '../tensor/binary-tensor.ts';
import type { ModelSignature } from '../model/signature.ts';
import type { Int64, ModelInferRequest } from './messages.ts';
import { readTensorContents } from './tensor-contents.ts';
import { checkShapeWithinLimits } from '../protocol/request-limits.ts';
import type { RequestLimits } from '../protocol/request-limits.ts';

/**
 * Decodes a ModelInferRequest into the tensors the model runs, with the same checks and the same error
 * sentences as the REST decoder (protocol/v2-infer-request.ts). Inputs come either all as typed `contents`
 * or all in `raw_input_contents` (one entry per input, in order), as the protocol says.
 */

export interface GrpcInferRequest {
  id: string;
  inputs: Record<string, Tensor>;
  /** Requested output names, in the order asked for; every output in the model's order when none are named. */
  outputs: string[];
  /** Answer in raw_output_contents: clients that send raw contents (Triton's always do) read raw answers. */
  rawOutputs: boolean;
}

export function decodeInferRequest(message: ModelInferRequest, signature: ModelSignature, limits: RequestLimits): GrpcInferRequest {
  if (message.inputs.length === 0) throw badRequest('inputs must be a non-empty array');
  const raw = message.raw_input_contents;
  if (raw.length > 0 && raw.length !== message.inputs.length) {
    throw badRequest(`raw_input_contents has ${raw.length} entries for ${message.inputs.length} inputs; give one per input or none`);
  }
  const inputs: Record<string, Tensor> = {};
  let elements = 0;
  message.inputs.forEach((input, index) => {
    const where = `inputs[${index}]`;
    const name = input.name ?? '';
    if (!signature.inputs.some((spec) => spec.name === name)) {
      throw badRequest(`unknown input '${name}'; the model's inputs are ${signature.inputs.map((spec) => `'${spec.name}'`).join(', ')}`);
    }
    if (Object.hasOwn(inputs, name)) throw badRequest(`input '${name}' appears twice`);
    const datatype = input.datatype;
    if (!isDatatype(datatype)) throw badRequest(`${where}.datatype ${JSON.stringify(datatype ?? '')} is not a protocol datatype`);
    const shape = input.shape.map((dim) => parseDim(dim, where));
    // As in REST: datatype and size before any data is decoded.
    const spec = signature.inputs.find((known) => known.name === name)!;
    if (datatype !== spec.datatype) throw badRequest(`input '${name}' has datatype ${datatype}, the model expects ${spec.datatype}`);
    elements = checkShapeWithinLimits(shape, limits, elements, `input '${name}'`);
    const data =
      raw.length > 0
        ? readBinaryTensorData(datatype, shape, raw[index]!, where)
        : readTensorContents(datatype, shape, input.contents ?? {}, where);
    inputs[name] = { datatype, shape, data };
  });
  return { id: message.id ?? '', inputs, outputs: requestedOutputs(message, signature), rawOutputs: raw.length > 0 };
}

function requestedOutputs(message: ModelInferRequest, signature: ModelSignature): string[] {
  if (message.outputs.length === 0) return signature.outputs.map((spec) => spec.name);
  return message.outputs.map((output) => {
    const name = output.name ?? '';
    if (!signature.outputs.some((spec) => spec.name === name)) {
      throw badRequest(`unknown output '${name}'; the model's outputs are ${signature.outputs.map((spec) => `'${spec.name}'`).join(', ')}`);
    }
    return name;
  });
}

function parseDim(dim: Int64, where: string): number {
  const value = Number(dim);
  if (!Number.isSafeInteger(value) || value < 0) throw badRequest(`${where}.shape must be an array of non-negative integers`);
  return value;
}
