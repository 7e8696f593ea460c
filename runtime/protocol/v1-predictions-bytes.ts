import { elementCount } from '../tensor/datatypes.ts';
import type { Tensor } from '../tensor/datatypes.ts';
import { jsonValues } from '../tensor/json-tensor.ts';
import type { ModelSignature } from '../model/signature.ts';
import { encodeV1Predictions, outputsInSignatureOrder } from './v1-predict.ts';
import { freeWholeBuffer } from '../free-buffer.ts';

/**
 * The same bytes as encodeV1Predictions (v1-predict.ts) gives, written as text row by row instead of built as
 * a value for JSON.stringify: for 400,000 rows that value is three small arrays and a number per row, about
 * 60 MiB of heap that all survives until the string is made, so the codec thread's heap grew by well over
 * 100 MiB per answer and kept it while requests kept coming. Used for large answers only (on the codec
 * thread); small ones keep JSON.stringify, whose speed the hot path depends on.
 */

/** Rows of text joined before they are written out as bytes: large enough to amortise, small enough not to matter. */
const ROWS_PER_PIECE = 4096;

export function encodeV1PredictionsBytes(outputs: Record<string, Tensor>, signature: ModelSignature): Buffer {
  const names = signature.outputs.map((spec) => spec.name);
  const tensors = outputsInSignatureOrder(outputs, signature);
  const rows = tensors[0]?.shape[0] ?? 0;
  // Outputs with fewer values than rows (no model gives them) leave holes JSON.stringify fills its own way.
  if (tensors.some((tensor) => tensor.data.length < rows * elementCount(tensor.shape.slice(1)))) {
    return Buffer.from(encodeV1Predictions(outputs, signature));
  }
  const writers = tensors.map((tensor) => rowWriter(tensor));
  // Keys are written as JSON.stringify writes them: escaped, in the model's order.
  const keys = names.map((name, index) => `${index === 0 ? '{' : ','}${JSON.stringify(name)}:`);
  const pieces: Buffer[] = [Buffer.from('{"predictions":[')];
  let piece = '';
  for (let row = 0; row < rows; row++) {
    if (row > 0) piece += ',';
    if (writers.length === 1) {
      piece += writers[0]!(row);
    } else {
      for (let index = 0; index < writers.length; index++) piece += keys[index]! + writers[index]!(row);
      piece += '}';
    }
    if ((row + 1) % ROWS_PER_PIECE === 0) {
      pieces.push(Buffer.from(piece));
      piece = '';
    }
  }
  pieces.push(Buffer.from(`${piece}]}`));
  const answer = Buffer.concat(pieces);
  // The pieces are garbage once joined (8 MiB of them for 400,000 rows), and this thread collects seldom.
  for (const done of pieces) freeWholeBuffer(done);
  return answer;
}

/** A row's JSON text: its one value for a one-dimensional tensor, nested lists otherwise. */
function rowWriter(tensor: Tensor): (row: number) => string {
  const rowShape = tensor.shape.slice(1);
  const rowLength = elementCount(rowShape);
  return (row) => {
    const values = jsonValues(tensor.datatype, tensor.data, row * rowLength, (row + 1) * rowLength);
    return rowShape.length === 0 ? valueText(values[0]) : nestedText(values, rowShape, 0, { next: 0 });
  };
}

function nestedText(values: unknown[], shape: readonly number[], depth: number, cursor: { next: number }): string {
  const size = shape[depth]!;
  let text = '[';
  for (let i = 0; i < size; i++) {
    if (i > 0) text += ',';
    text += depth === shape.length - 1 ? valueText(values[cursor.next++]) : nestedText(values, shape, depth + 1, cursor);
  }
  return `${text}]`;
}

/** JSON.stringify's text for the values jsonValues gives: finite numbers, null, booleans, strings. */
function valueText(value: unknown): string {
  if (typeof value === 'number') return String(value);
  return JSON.stringify(value) ?? 'null';
}
