/**
 * The two vocabularies for element types: the Open Inference Protocol's (`FP32`, `INT64`, …) on the wire and
 * onnxruntime's (`float32`, `int64`, …) in sessions, and the typed arrays that hold each.
 */

export type Datatype =
  | 'BOOL'
  | 'UINT8'
  | 'UINT16'
  | 'UINT32'
  | 'UINT64'
  | 'INT8'
  | 'INT16'
  | 'INT32'
  | 'INT64'
  | 'FP16'
  | 'FP32'
  | 'FP64'
  | 'BYTES';

export type OrtElementType =
  | 'bool'
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'uint64'
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'float16'
  | 'float32'
  | 'float64'
  | 'string';

/** FP16 travels as its raw bits, as onnxruntime-node takes it; BOOL as one byte per element. */
export type NumericData =
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Float32Array
  | Float64Array;

export type TensorData = NumericData | string[];

/** A tensor as the main thread and the workers pass it around: row-major, shape says how to read `data`. */
export interface Tensor {
  datatype: Datatype;
  shape: number[];
  data: TensorData;
}

const ORT_BY_DATATYPE: Record<Datatype, OrtElementType> = {
  BOOL: 'bool',
  UINT8: 'uint8',
  UINT16: 'uint16',
  UINT32: 'uint32',
  UINT64: 'uint64',
  INT8: 'int8',
  INT16: 'int16',
  INT32: 'int32',
  INT64: 'int64',
  FP16: 'float16',
  FP32: 'float32',
  FP64: 'float64',
  BYTES: 'string',
};

const DATATYPE_BY_ORT = new Map<string, Datatype>(
  Object.entries(ORT_BY_DATATYPE).map(([datatype, ort]) => [ort, datatype as Datatype]),
);

const ELEMENT_BYTES: Record<Exclude<Datatype, 'BYTES'>, number> = {
  BOOL: 1,
  UINT8: 1,
  UINT16: 2,
  UINT32: 4,
  UINT64: 8,
  INT8: 1,
  INT16: 2,
  INT32: 4,
  INT64: 8,
  FP16: 2,
  FP32: 4,
  FP64: 8,
};

export function isDatatype(value: unknown): value is Datatype {
  return typeof value === 'string' && Object.hasOwn(ORT_BY_DATATYPE, value);
}

export function ortTypeOf(datatype: Datatype): OrtElementType {
  return ORT_BY_DATATYPE[datatype];
}

/** Undefined for onnxruntime types the protocol cannot carry (e.g. 4-bit integers). */
export function datatypeOfOrt(ortType: string): Datatype | undefined {
  return DATATYPE_BY_ORT.get(ortType);
}

/** Bytes per element for fixed-size types; undefined for BYTES, whose elements carry their own length. */
export function elementBytes(datatype: Datatype): number | undefined {
  return datatype === 'BYTES' ? undefined : ELEMENT_BYTES[datatype];
}

export function allocateNumeric(datatype: Exclude<Datatype, 'BYTES'>, length: number): NumericData {
  return numericView(datatype, new ArrayBuffer(length * ELEMENT_BYTES[datatype]), 0, length);
}

/** A typed-array view of the right kind over `buffer`; `byteOffset` must be aligned to the element size. */
export function numericView(
  datatype: Exclude<Datatype, 'BYTES'>,
  buffer: ArrayBufferLike,
  byteOffset: number,
  length: number,
): NumericData {
  switch (datatype) {
    case 'BOOL':
    case 'UINT8':
      return new Uint8Array(buffer, byteOffset, length);
    case 'UINT16':
    case 'FP16':
      return new Uint16Array(buffer, byteOffset, length);
    case 'UINT32':
      return new Uint32Array(buffer, byteOffset, length);
    case 'UINT64':
      return new BigUint64Array(buffer, byteOffset, length);
    case 'INT8':
      return new Int8Array(buffer, byteOffset, length);
    case 'INT16':
      return new Int16Array(buffer, byteOffset, length);
    case 'INT32':
      return new Int32Array(buffer, byteOffset, length);
    case 'INT64':
      return new BigInt64Array(buffer, byteOffset, length);
    case 'FP32':
      return new Float32Array(buffer, byteOffset, length);
    case 'FP64':
      return new Float64Array(buffer, byteOffset, length);
  }
}

export function elementCount(shape: readonly number[]): number {
  let count = 1;
  for (const dim of shape) count *= dim;
  return count;
}
