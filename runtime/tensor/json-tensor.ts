import { badRequest } from '../protocol/errors.ts';
import { allocateNumeric, elementCount } from './datatypes.ts';
import type { Datatype, NumericData, TensorData } from './datatypes.ts';
import { PackedNumbers } from './packed-numbers.ts';

/**
 * Tensor data in JSON: requests give it flat or nested (both are row-major), responses send it flat.
 */

interface Float16ArrayLike {
  length: number;
  buffer: ArrayBufferLike;
  join(separator: string): string;
  [index: number]: number;
}
type Float16ArrayConstructor = new (bufferOrLength: ArrayBufferLike | number, byteOffset?: number, length?: number) => Float16ArrayLike;

// Node 24 has Float16Array, but TypeScript's es2024 lib does not describe it yet.
const Float16 = (globalThis as unknown as { Float16Array: Float16ArrayConstructor }).Float16Array;

const INTEGER_RANGES: Partial<Record<Datatype, readonly [number, number]>> = {
  UINT8: [0, 0xff],
  UINT16: [0, 0xffff],
  UINT32: [0, 0xffffffff],
  INT8: [-0x80, 0x7f],
  INT16: [-0x8000, 0x7fff],
  INT32: [-0x80000000, 0x7fffffff],
};

/**
 * Reads `data` (flat or nested arrays, or the numbers the streaming reader packed from them) into a typed
 * array holding exactly `shape`'s element count.
 */
export function readJsonTensorData(datatype: Datatype, shape: readonly number[], data: unknown, where: string): TensorData {
  if (data instanceof PackedNumbers) return readPackedData(datatype, shape, data, where);
  if (!Array.isArray(data)) throw badRequest(`${where}.data must be an array`);
  const expected = elementCount(shape);
  if (datatype === 'BYTES') {
    const strings: string[] = [];
    flatten(data, where, (value) => {
      if (typeof value !== 'string') throw badRequest(`${where}.data: BYTES elements must be strings`);
      strings.push(value);
    });
    checkCount(strings.length, expected, shape, where);
    return strings;
  }
  if (data.length > 0 && Array.isArray(data[0])) {
    // Nested data is counted first, so that the element count is checked before anything is allocated, and
    // then stored straight from where it lies: a flat copy of millions of boxed numbers would cost more
    // memory than the parsed document itself.
    let count = 0;
    flatten(data, where, () => count++);
    checkCount(count, expected, shape, where);
    const target = allocateNumeric(datatype, expected);
    const store = storeFor(datatype, target, where);
    let index = 0;
    flatten(data, where, (value) => store(index++, value));
    return target;
  }
  checkCount(data.length, expected, shape, where);
  const target = allocateNumeric(datatype, expected);
  const store = storeFor(datatype, target, where);
  for (let i = 0; i < expected; i++) store(i, data[i]);
  return target;
}

/** The same checks, in the same order and with the same messages, as for the nested arrays it stands for. */
function readPackedData(datatype: Datatype, shape: readonly number[], data: PackedNumbers, where: string): TensorData {
  // Its first element is a number, which is where flattening BYTES data would stop.
  if (datatype === 'BYTES') throw badRequest(`${where}.data: BYTES elements must be strings`);
  const expected = elementCount(shape);
  checkCount(data.count, expected, shape, where);
  const target = allocateNumeric(datatype, expected);
  data.forEach(storeFor(datatype, target, where));
  // Read once (the body is decoded once): its memory goes now, not at the next collection.
  data.discard();
  return target;
}

function flatten(data: unknown[], where: string, visit: (value: unknown) => void, depth = 0): void {
  if (depth > 32) throw badRequest(`${where}.data is nested too deeply`);
  for (const value of data) {
    if (Array.isArray(value)) flatten(value, where, visit, depth + 1);
    else visit(value);
  }
}

function checkCount(count: number, expected: number, shape: readonly number[], where: string): void {
  if (count !== expected) throw badRequest(`${where}: shape [${shape.join(', ')}] needs ${expected} elements, data has ${count}`);
}


type Store = (index: number, value: unknown) => void;

function storeFor(datatype: Exclude<Datatype, 'BYTES'>, target: NumericData, where: string): Store {
  const reject = (value: unknown): never => {
    throw badRequest(`${where}.data: ${JSON.stringify(value) ?? String(value)} is not a valid ${datatype} value`);
  };
  const outOfRange = (value: unknown): never => {
    throw badRequest(`${where}.data: ${String(value)} is out of range for ${datatype}`);
  };
  switch (datatype) {
    // JSON has no infinities, so a value that is not finite once stored overflowed the type (1e39 as FP32,
    // 70000 as FP16, 1e400 anywhere): refused rather than silently turned into Infinity.
    case 'FP32':
    case 'FP64': {
      const floats = target as Float32Array | Float64Array;
      return (i, value) => {
        if (typeof value !== 'number') reject(value);
        floats[i] = value as number;
        if (!Number.isFinite(floats[i])) outOfRange(value);
      };
    }
    case 'FP16': {
      const halves = new Float16(target.buffer, 0, target.length);
      return (i, value) => {
        if (typeof value !== 'number') reject(value);
        halves[i] = value as number;
        if (!Number.isFinite(halves[i])) outOfRange(value);
      };
    }
    case 'BOOL': {
      const bytes = target as Uint8Array;
      return (i, value) => {
        if (value === true || value === 1) bytes[i] = 1;
        else if (value === false || value === 0) bytes[i] = 0;
        else reject(value);
      };
    }
    case 'INT64':
    case 'UINT64': {
      const bigints = target as BigInt64Array | BigUint64Array;
      const unsigned = datatype === 'UINT64';
      return (i, value) => {
        if (typeof value !== 'number' || !Number.isSafeInteger(value) || (unsigned && value < 0)) reject(value);
        bigints[i] = BigInt(value as number);
      };
    }
    default: {
      const [min, max] = INTEGER_RANGES[datatype] ?? [0, 0];
      const integers = target as Exclude<NumericData, BigInt64Array | BigUint64Array>;
      return (i, value) => {
        if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) reject(value);
        integers[i] = value as number;
      };
    }
  }
}

/** The JSON text of `data` as a flat array. NaN and infinities, which JSON cannot say, become null. */
export function jsonTensorDataText(datatype: Datatype, data: TensorData): string {
  if (Array.isArray(data)) return JSON.stringify(data);
  if (datatype === 'BOOL') return JSON.stringify(Array.from(data as Uint8Array, (byte) => byte !== 0));
  if (datatype === 'FP16') return floatsText(new Float16(data.buffer, data.byteOffset, data.length));
  if (datatype === 'FP32' || datatype === 'FP64') return floatsText(data as Float32Array | Float64Array);
  // Integer arrays (BigInt ones too) print exact decimal digits with join, which JSON.stringify cannot do for BigInt.
  return `[${(data as Int32Array).join(',')}]`;
}

function floatsText(floats: ArrayLike<number> & { join(separator: string): string }): string {
  const text = `[${floats.join(',')}]`;
  if (!text.includes('N') && !text.includes('I')) return text;
  return JSON.stringify(Array.from(floats as ArrayLike<number>, (value) => (Number.isFinite(value) ? value : null)));
}

/** Elements as JSON values, for protocols (V1) that nest output rows. */
export function jsonValues(datatype: Datatype, data: TensorData, start: number, end: number): unknown[] {
  if (Array.isArray(data)) return data.slice(start, end);
  const out: unknown[] = new Array(end - start);
  if (datatype === 'FP16') {
    const halves = new Float16(data.buffer, data.byteOffset, data.length);
    for (let i = start; i < end; i++) out[i - start] = finiteOrNull(halves[i] ?? 0);
  } else if (datatype === 'BOOL') {
    for (let i = start; i < end; i++) out[i - start] = data[i] !== 0;
  } else if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    for (let i = start; i < end; i++) out[i - start] = Number(data[i]);
  } else {
    const numbers = data as Float32Array;
    for (let i = start; i < end; i++) out[i - start] = finiteOrNull(numbers[i] ?? 0);
  }
  return out;
}

function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}
