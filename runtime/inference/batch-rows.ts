import { allocateNumeric } from '../tensor/datatypes.ts';
import type { Datatype, NumericData, Tensor, TensorData } from '../tensor/datatypes.ts';

/**
 * Joining requests into one batch along the leading dimension, and giving each caller back exactly its rows.
 */

/**
 * Requests can share a batch only when they agree on everything but the leading dimension.
 * The key is computed once per request, when it is queued.
 */
export function batchCompatibilityKey(inputs: Record<string, Tensor>): string {
  let key = '';
  for (const name in inputs) {
    const tensor = inputs[name]!;
    key += `${name}\u0000${tensor.datatype}\u0000${tensor.shape.slice(1).join(',')}\u0001`;
  }
  return key;
}

/** Leading-dimension size shared by all inputs of a request. */
export function rowsOf(inputs: Record<string, Tensor>): number {
  for (const name in inputs) return inputs[name]!.shape[0] ?? 1;
  return 1;
}

export function concatenateRows(parts: readonly Record<string, Tensor>[]): Record<string, Tensor> {
  const first = parts[0];
  if (first === undefined) throw new Error('cannot concatenate an empty batch');
  if (parts.length === 1) return first;
  const joined: Record<string, Tensor> = {};
  for (const name in first) {
    const tensors = parts.map((part) => part[name]!);
    const template = tensors[0]!;
    const rows = tensors.reduce((sum, tensor) => sum + (tensor.shape[0] ?? 0), 0);
    joined[name] = {
      datatype: template.datatype,
      shape: [rows, ...template.shape.slice(1)],
      data: concatenateData(template.datatype, tensors.map((tensor) => tensor.data)),
    };
  }
  return joined;
}

function concatenateData(datatype: Datatype, pieces: TensorData[]): TensorData {
  if (datatype === 'BYTES') return (pieces as string[][]).flat();
  const numeric = pieces as NumericData[];
  const total = numeric.reduce((sum, piece) => sum + piece.length, 0);
  const joined = allocateNumeric(datatype, total);
  let offset = 0;
  for (const piece of numeric) {
    (joined as Float32Array).set(piece as Float32Array, offset);
    offset += piece.length;
  }
  return joined;
}

/** Splits batch outputs back into one set per part, in order; `rowsPerPart` sums to the outputs' leading dimension. */
export function splitRows(outputs: Record<string, Tensor>, rowsPerPart: readonly number[]): Record<string, Tensor>[] {
  if (rowsPerPart.length === 1) return [outputs];
  const totalRows = rowsPerPart.reduce((sum, rows) => sum + rows, 0);
  const split: Record<string, Tensor>[] = rowsPerPart.map(() => ({}));
  for (const name in outputs) {
    const tensor = outputs[name]!;
    if (tensor.shape[0] !== totalRows) {
      throw new Error(`output '${name}' has leading dimension ${tensor.shape[0]}, expected the batch's ${totalRows} rows`);
    }
    const rowLength = totalRows === 0 ? 0 : tensor.data.length / totalRows;
    let row = 0;
    rowsPerPart.forEach((rows, index) => {
      const start = row * rowLength;
      const end = (row + rows) * rowLength;
      // Views, not copies: each caller serialises its slice once and the batch buffer is then dropped.
      const data = Array.isArray(tensor.data) ? tensor.data.slice(start, end) : tensor.data.subarray(start, end);
      split[index]![name] = { datatype: tensor.datatype, shape: [rows, ...tensor.shape.slice(1)], data };
      row += rows;
    });
  }
  return split;
}
