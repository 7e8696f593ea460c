import { badRequest } from '../protocol/errors.ts';
import { allocateNumeric, elementCount } from '../tensor/datatypes.ts';
import type { Datatype, TensorData } from '../tensor/datatypes.ts';
import { readJsonTensorData } from '../tensor/json-tensor.ts';
import type { InferTensorContents } from './messages.ts';

/**
 * Typed tensor contents (InferTensorContents): each datatype has the one repeated field the protocol gives
 * it. FP16 has none, so it travels only in raw contents.
 */

type ContentsField = keyof InferTensorContents;

const FIELD_BY_DATATYPE: Record<Datatype, ContentsField | undefined> = {
  BOOL: 'bool_contents',
  UINT8: 'uint_contents',
  UINT16: 'uint_contents',
  UINT32: 'uint_contents',
  UINT64: 'uint64_contents',
  INT8: 'int_contents',
  INT16: 'int_contents',
  INT32: 'int_contents',
  INT64: 'int64_contents',
  FP16: undefined,
  FP32: 'fp32_contents',
  FP64: 'fp64_contents',
  BYTES: 'bytes_contents',
};

export function readTensorContents(datatype: Datatype, shape: readonly number[], contents: InferTensorContents, where: string): TensorData {
  const field = FIELD_BY_DATATYPE[datatype];
  if (field === undefined) throw badRequest(`${where}: ${datatype} has no typed contents field; send it in raw_input_contents`);
  const other = (Object.keys(FIELD_BY_DATATYPE) as Datatype[])
    .map((type) => FIELD_BY_DATATYPE[type])
    .find((name) => name !== undefined && name !== field && (contents[name]?.length ?? 0) > 0);
  if (other !== undefined) throw badRequest(`${where}: a ${datatype} tensor's elements belong in contents.${field}, not contents.${other}`);
  const values = contents[field] ?? [];
  if (datatype === 'BYTES') {
    const decoder = new TextDecoder();
    return readJsonTensorData(datatype, shape, (values as Uint8Array[]).map((bytes) => decoder.decode(bytes)), `${where}.contents`);
  }
  if (datatype === 'INT64' || datatype === 'UINT64') return read64(datatype, shape, values as (string | number)[], where);
  return readJsonTensorData(datatype, shape, values, `${where}.contents`);
}

/** 64-bit elements arrive as decimal strings (see proto.ts) and go into BigInt arrays without rounding. */
function read64(datatype: 'INT64' | 'UINT64', shape: readonly number[], values: (string | number)[], where: string): TensorData {
  const expected = elementCount(shape);
  if (values.length !== expected) {
    throw badRequest(`${where}.contents: shape [${shape.join(', ')}] needs ${expected} elements, data has ${values.length}`);
  }
  const target = allocateNumeric(datatype, expected) as BigInt64Array | BigUint64Array;
  for (let i = 0; i < expected; i++) target[i] = BigInt(values[i]!);
  return target;
}

/** The typed contents of an output tensor, in the field its datatype uses (FP16 only travels raw). */
export function tensorContents(datatype: Datatype, data: TensorData): InferTensorContents {
  const field = FIELD_BY_DATATYPE[datatype];
  if (field === undefined) throw badRequest(`output of type ${datatype} can only be returned in raw_output_contents`);
  if (Array.isArray(data)) {
    const encoder = new TextEncoder();
    return { bytes_contents: data.map((text) => encoder.encode(text)) };
  }
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) return { [field]: Array.from(data, String) };
  if (datatype === 'BOOL') return { bool_contents: Array.from(data as Uint8Array, (byte) => byte !== 0) };
  return { [field]: Array.from(data as ArrayLike<number>) };
}
