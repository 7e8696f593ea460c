import { isDatatype } from '../tensor/datatypes.ts';
import type { Tensor } from '../tensor/datatypes.ts';
import { readJsonTensorData } from '../tensor/json-tensor.ts';
import { readBinaryTensorData } from '../tensor/binary-tensor.ts';
import type { ModelSignature } from '../model/signature.ts';
import { parseShape } from '../model/validate-inputs.ts';
import { badRequest } from './errors.ts';
import { checkShapeWithinLimits } from './request-limits.ts';
import type { RequestLimits } from './request-limits.ts';

/**
 * Decodes an Open Inference Protocol v2 infer request: a JSON document, optionally followed by binary tensor
 * data (the binary tensor extension), in which case `Inference-Header-Content-Length` says where JSON ends.
 */

export interface RequestedOutput {
  name: string;
  /** The output's own `binary_data`; undefined defers to the request's `binary_data_output`. */
  binary: boolean | undefined;
}

export interface V2InferRequest {
  id: string | undefined;
  inputs: Record<string, Tensor>;
  /** In the order asked for; undefined means every output, in the model's order. */
  outputs: RequestedOutput[] | undefined;
  /** Request-level `binary_data_output`: the default for outputs that do not say. */
  binaryOutputs: boolean;
}

export function parseV2InferRequest(body: Buffer, headerLength: string | undefined, signature: ModelSignature, limits: RequestLimits): V2InferRequest {
  let jsonEnd = body.length;
  if (headerLength !== undefined) {
    const parsed = Number(headerLength);
    if (!Number.isSafeInteger(parsed) || parsed < 0 || parsed > body.length) {
      throw badRequest(`Inference-Header-Content-Length ${headerLength} does not fit a ${body.length}-byte body`);
    }
    jsonEnd = parsed;
  }
  const document = parseJsonObject(jsonEnd === body.length ? body.toString('utf8') : body.toString('utf8', 0, jsonEnd));
  const binary = body.subarray(jsonEnd);

  const id = document.id;
  if (id !== undefined && typeof id !== 'string') throw badRequest('id must be a string');
  const parameters = optionalObject(document.parameters, 'parameters');
  const binaryOutputs = parameters?.binary_data_output === true;

  if (!Array.isArray(document.inputs) || document.inputs.length === 0) throw badRequest('inputs must be a non-empty array');
  const inputs: Record<string, Tensor> = {};
  let binaryOffset = 0;
  let elements = 0;
  document.inputs.forEach((raw: unknown, index: number) => {
    const where = `inputs[${index}]`;
    const input = requireObject(raw, where);
    const name = input.name;
    if (typeof name !== 'string') throw badRequest(`${where}.name must be a string`);
    const spec = signature.inputs.find((candidate) => candidate.name === name);
    if (spec === undefined) {
      throw badRequest(`unknown input '${name}'; the model's inputs are ${signature.inputs.map((known) => `'${known.name}'`).join(', ')}`);
    }
    if (Object.hasOwn(inputs, name)) throw badRequest(`input '${name}' appears twice`);
    const datatype = input.datatype;
    if (!isDatatype(datatype)) throw badRequest(`${where}.datatype ${JSON.stringify(datatype)} is not a protocol datatype`);
    // Datatype and size are checked before any data is decoded: a BYTES payload for an FP32 input, or a
    // shape of millions of rows, is refused without touching its bytes.
    if (datatype !== spec.datatype) throw badRequest(`input '${name}' has datatype ${datatype}, the model expects ${spec.datatype}`);
    const shape = parseShape(input.shape, where);
    elements = checkShapeWithinLimits(shape, limits, elements, `input '${name}'`);
    const binarySize = optionalObject(input.parameters, `${where}.parameters`)?.binary_data_size;
    if (binarySize !== undefined) {
      if (typeof binarySize !== 'number' || !Number.isSafeInteger(binarySize) || binarySize < 0) {
        throw badRequest(`${where}.parameters.binary_data_size must be a non-negative integer`);
      }
      if (binaryOffset + binarySize > binary.length) throw badRequest(`${where}: binary data ends before ${binarySize} bytes`);
      const bytes = binary.subarray(binaryOffset, binaryOffset + binarySize);
      binaryOffset += binarySize;
      inputs[name] = { datatype, shape, data: readBinaryTensorData(datatype, shape, bytes, where) };
    } else {
      inputs[name] = { datatype, shape, data: readJsonTensorData(datatype, shape, input.data, where) };
    }
  });
  if (binaryOffset !== binary.length) throw badRequest(`${binary.length - binaryOffset} bytes of binary data are not claimed by any input`);

  return { id, inputs, outputs: parseRequestedOutputs(document.outputs, signature), binaryOutputs };
}

function parseRequestedOutputs(raw: unknown, signature: ModelSignature): RequestedOutput[] | undefined {
  if (raw === undefined) return undefined;
  if (!Array.isArray(raw)) throw badRequest('outputs must be an array');
  return raw.map((item: unknown, index: number) => {
    const where = `outputs[${index}]`;
    const output = requireObject(item, where);
    const name = output.name;
    if (typeof name !== 'string') throw badRequest(`${where}.name must be a string`);
    if (!signature.outputs.some((spec) => spec.name === name)) {
      throw badRequest(`unknown output '${name}'; the model's outputs are ${signature.outputs.map((spec) => `'${spec.name}'`).join(', ')}`);
    }
    const binary = optionalObject(output.parameters, `${where}.parameters`)?.binary_data;
    if (binary !== undefined && typeof binary !== 'boolean') throw badRequest(`${where}.parameters.binary_data must be a boolean`);
    return { name, binary };
  });
}

export function parseJsonObject(text: string): Record<string, unknown> {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw badRequest(`malformed JSON: ${(error as Error).message}`);
  }
  return requireObject(document, 'request body');
}

function requireObject(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badRequest(`${where} must be a JSON object`);
  return value as Record<string, unknown>;
}

function optionalObject(value: unknown, where: string): Record<string, unknown> | undefined {
  return value === undefined ? undefined : requireObject(value, where);
}
