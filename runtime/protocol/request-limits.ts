import { elementCount } from '../tensor/datatypes.ts';
import { ProtocolError } from './errors.ts';

/**
 * How much one inference request may carry. Without a cap, one valid request of a few million rows makes the
 * main thread build millions of arrays and holds gigabytes long after it was answered. Triton caps a request
 * at the model's max_batch_size; here the cap defaults to a multiple of it, since requests larger than one
 * batch still run (alone), and the operator can set it per ModelDeployment.
 */
export interface RequestLimits {
  /** Most rows (leading-dimension entries) in one input. */
  maxRows: number;
  /** Most elements in all inputs of one request together. */
  maxElements: number;
}

/** 16 full batches, and at least 1024 rows so that batching off (1) does not mean one row per request. */
export function defaultMaxRows(maxBatchSize: number): number {
  return Math.max(1024, 16 * maxBatchSize);
}

/** 4 Mi elements: 16 MiB of FP32, e.g. 27 images of 224×224×3. */
export const DEFAULT_MAX_ELEMENTS = 4 * 1024 * 1024;

/**
 * Rejects a tensor whose shape exceeds the limits, before its data is read or allocated. `elementsSoFar` are
 * the request's earlier inputs; the answer is the running total.
 */
export function checkShapeWithinLimits(shape: readonly number[], limits: RequestLimits, elementsSoFar: number, where: string): number {
  const rows = shape[0];
  if (rows !== undefined && rows > limits.maxRows) {
    throw new ProtocolError(413, `${where} has ${rows} rows; the most one request may carry is ${limits.maxRows} (--max-request-rows)`);
  }
  const total = elementsSoFar + elementCount(shape);
  if (total > limits.maxElements) {
    throw new ProtocolError(
      413,
      `${where} brings the request to ${total} elements; the most one request may carry is ${limits.maxElements} (--max-request-elements)`,
    );
  }
  return total;
}
