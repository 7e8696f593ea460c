import { badRequest } from '../protocol/errors.ts';
import { elementBytes, elementCount, numericView } from './datatypes.ts';
import type { Datatype, TensorData } from './datatypes.ts';

/**
 * The binary tensor extension's encoding: fixed-size elements as little-endian row-major bytes (this runtime
 * runs only on little-endian hosts, as onnxruntime does); BYTES elements each as a 4-byte little-endian length
 * followed by that many bytes.
 */

export function readBinaryTensorData(datatype: Datatype, shape: readonly number[], bytes: Uint8Array, where: string): TensorData {
  const count = elementCount(shape);
  const size = elementBytes(datatype);
  if (size === undefined) return readByteStrings(count, bytes, where);
  if (bytes.byteLength !== count * size) {
    throw badRequest(`${where}: shape [${shape.join(', ')}] of ${datatype} needs ${count * size} bytes, binary data has ${bytes.byteLength}`);
  }
  // Copy into a fresh buffer: the request body's offsets are rarely aligned for a typed array, and the copy
  // can later be handed to a worker thread without holding the whole body alive.
  const aligned = new Uint8Array(bytes.byteLength);
  aligned.set(bytes);
  return numericView(datatype as Exclude<Datatype, 'BYTES'>, aligned.buffer, 0, count);
}

function readByteStrings(count: number, bytes: Uint8Array, where: string): string[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const decoder = new TextDecoder();
  const strings: string[] = [];
  let offset = 0;
  while (offset < bytes.byteLength) {
    if (offset + 4 > bytes.byteLength) throw badRequest(`${where}: truncated BYTES element length`);
    const length = view.getUint32(offset, true);
    offset += 4;
    if (offset + length > bytes.byteLength) throw badRequest(`${where}: truncated BYTES element`);
    strings.push(decoder.decode(bytes.subarray(offset, offset + length)));
    offset += length;
  }
  if (strings.length !== count) throw badRequest(`${where}: shape needs ${count} BYTES elements, binary data has ${strings.length}`);
  return strings;
}

/** The bytes to send for `data`; for numeric data this is a view, not a copy. */
export function binaryTensorBytes(data: TensorData): Uint8Array {
  if (!Array.isArray(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const encoder = new TextEncoder();
  const encoded = data.map((text) => encoder.encode(text));
  const out = new Uint8Array(encoded.reduce((sum, item) => sum + 4 + item.byteLength, 0));
  const view = new DataView(out.buffer);
  let offset = 0;
  for (const item of encoded) {
    view.setUint32(offset, item.byteLength, true);
    out.set(item, offset + 4);
    offset += 4 + item.byteLength;
  }
  return out;
}
