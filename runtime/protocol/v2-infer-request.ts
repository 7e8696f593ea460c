import { elementBytes, elementCount, isDatatype } from '../tensor/datatypes.ts';
import type { Datatype, Tensor } from '../tensor/datatypes.ts';
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
  return v2RequestFromDocument(document, body.subarray(jsonEnd), signature, limits);
}

/**
 * The request a parsed JSON part describes, `binary` the bytes after it. Inputs' `data` may be PackedNumbers
 * (tensor-json-reader.ts), which readJsonTensorData treats exactly as the arrays they stand for.
 */
export function v2RequestFromDocument(document: Record<string, unknown>, binary: Buffer, signature: ModelSignature, limits: RequestLimits): V2InferRequest {
  const id = document.id;
  if (id !== undefined && typeof id !== 'string') throw badRequest('id must be a string');
  const parameters = optionalObject(document.parameters, 'parameters');
  const binaryOutputs = parameters?.binary_data_output === true;

  const headers = inputHeaders(document.inputs, signature, limits);
  const inputs: Record<string, Tensor> = {};
  let binaryOffset = 0;
  for (const { name, datatype, shape, binarySize, data, where } of headers) {
    if (binarySize !== undefined) {
      if (binaryOffset + binarySize > binary.length) throw badRequest(`${where}: binary data ends before ${binarySize} bytes`);
      const bytes = binary.subarray(binaryOffset, binaryOffset + binarySize);
      binaryOffset += binarySize;
      inputs[name] = { datatype, shape, data: readBinaryTensorData(datatype, shape, bytes, where) };
    } else {
      inputs[name] = { datatype, shape, data: readJsonTensorData(datatype, shape, data, where) };
    }
  }
  if (binaryOffset !== binary.length) throw badRequest(`${binary.length - binaryOffset} bytes of binary data are not claimed by any input`);

  return { id, inputs, outputs: parseRequestedOutputs(document.outputs, signature), binaryOutputs };
}

/**
 * Checks a binary-extension request's JSON header on its own, as soon as it has arrived: every input's
 * header (inputHeaders) and, when the body's length is known, that the inputs' binary sizes add up to the
 * bytes after the header. The same checks, with the same messages, as parseV2InferRequest makes later.
 */
export function checkBinaryHeader(json: string, signature: ModelSignature, limits: RequestLimits, binaryLength: number | undefined): void {
  const headers = inputHeaders(parseJsonObject(json).inputs, signature, limits);
  if (binaryLength === undefined) return;
  let claimed = 0;
  for (const { binarySize, where } of headers) {
    if (binarySize === undefined) continue;
    if (claimed + binarySize > binaryLength) throw badRequest(`${where}: binary data ends before ${binarySize} bytes`);
    claimed += binarySize;
  }
  if (claimed !== binaryLength) throw badRequest(`${binaryLength - claimed} bytes of binary data are not claimed by any input`);
}

/** What an input's entry says before its data: checked in full before any input's data is read. */
interface InputHeader {
  name: string;
  datatype: Datatype;
  shape: number[];
  /** Bytes of binary data the input claims; undefined when its data is JSON. */
  binarySize: number | undefined;
  /** The input's JSON `data`, read only when it has no binary data. */
  data: unknown;
  where: string;
}

/**
 * Checks every input's name, datatype, shape (against the request limits) and binary size, without touching
 * any data: a BYTES payload for an FP32 input, or a shape of millions of rows, is refused before its bytes
 * are decoded (or, for the binary extension, before they have even arrived; see binary-header-check.ts).
 */
export function inputHeaders(raw: unknown, signature: ModelSignature, limits: RequestLimits): InputHeader[] {
  if (!Array.isArray(raw) || raw.length === 0) throw badRequest('inputs must be a non-empty array');
  const seen = new Set<string>();
  let elements = 0;
  return raw.map((item: unknown, index: number): InputHeader => {
    const where = `inputs[${index}]`;
    const input = requireObject(item, where);
    const name = input.name;
    if (typeof name !== 'string') throw badRequest(`${where}.name must be a string`);
    const spec = signature.inputs.find((candidate) => candidate.name === name);
    if (spec === undefined) {
      throw badRequest(`unknown input '${name}'; the model's inputs are ${signature.inputs.map((known) => `'${known.name}'`).join(', ')}`);
    }
    if (seen.has(name)) throw badRequest(`input '${name}' appears twice`);
    seen.add(name);
    const datatype = input.datatype;
    if (!isDatatype(datatype)) throw badRequest(`${where}.datatype ${JSON.stringify(datatype)} is not a protocol datatype`);
    if (datatype !== spec.datatype) throw badRequest(`input '${name}' has datatype ${datatype}, the model expects ${spec.datatype}`);
    const shape = parseShape(input.shape, where);
    elements = checkShapeWithinLimits(shape, limits, elements, `input '${name}'`);
    return { name, datatype, shape, binarySize: binaryDataSize(input, datatype, shape, where), data: input.data, where };
  });
}

/** The input's `binary_data_size`, which for fixed-size elements must be exactly what its shape needs. */
function binaryDataSize(input: Record<string, unknown>, datatype: Datatype, shape: number[], where: string): number | undefined {
  const size = optionalObject(input.parameters, `${where}.parameters`)?.binary_data_size;
  if (size === undefined) return undefined;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw badRequest(`${where}.parameters.binary_data_size must be a non-negative integer`);
  }
  const each = elementBytes(datatype);
  if (each !== undefined && size !== elementCount(shape) * each) {
    throw badRequest(`${where}: shape [${shape.join(', ')}] of ${datatype} needs ${elementCount(shape) * each} bytes, binary data has ${size} (binary_data_size)`);
  }
  return size;
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
