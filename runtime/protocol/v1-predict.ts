import { elementCount } from '../tensor/datatypes.ts';
import type { Tensor } from '../tensor/datatypes.ts';
import { jsonValues, readJsonTensorData } from '../tensor/json-tensor.ts';
import { PackedNumbers } from '../tensor/packed-numbers.ts';
import type { ModelSignature, TensorSpec } from '../model/signature.ts';
import { badRequest } from './errors.ts';
import { parseJsonObject } from './v2-infer-request.ts';
import { ProtocolError } from './errors.ts';
import { checkShapeWithinLimits } from './request-limits.ts';
import type { RequestLimits } from './request-limits.ts';

/** Deeper nesting is no tensor any model takes (and matches the JSON tensor reader's own limit). */
const MAX_NESTING = 32;

/**
 * The V1 (TensorFlow Serving style) protocol KServe also speaks: `{"instances": [...]}` as rows or
 * `{"inputs": ...}` as columns in; `{"predictions": [...]}` out, one entry per row. Datatypes come from the
 * model, since V1 requests do not carry them.
 */

export function parseV1PredictRequest(body: Buffer, signature: ModelSignature, limits: RequestLimits): Record<string, Tensor> {
  return parseV1PredictText(body.toString('utf8'), signature, limits);
}

/** The same from the body's text, for a caller that lets go of the bytes before parsing (codec-jobs.ts). */
export function parseV1PredictText(text: string, signature: ModelSignature, limits: RequestLimits): Record<string, Tensor> {
  return v1InputsFromDocument(parseJsonObject(text), signature, limits);
}

/**
 * The inputs a parsed body carries. Its lists of numbers may be PackedNumbers (tensor-json-reader.ts), which
 * every check below treats exactly as the arrays they stand for.
 */
export function v1InputsFromDocument(document: Record<string, unknown>, signature: ModelSignature, limits: RequestLimits): Record<string, Tensor> {
  const hasInstances = document.instances !== undefined;
  const hasInputs = document.inputs !== undefined;
  if (hasInstances === hasInputs) throw badRequest('the request needs exactly one of "instances" or "inputs"');
  const budget = { limits, elements: 0 };
  return hasInstances ? fromRows(document.instances, signature, budget) : fromColumns(document.inputs, signature, budget);
}

/** The request's limits and the elements its inputs decoded so far. */
interface Budget {
  limits: RequestLimits;
  elements: number;
}

/** Row format: a list of instances, each one row of the single input or an object naming each input's row. */
function fromRows(instances: unknown, signature: ModelSignature, budget: Budget): Record<string, Tensor> {
  const where = 'instances';
  const rows = listLength(instances);
  if (rows === undefined || rows === 0) throw badRequest(`${where} must be a non-empty array`);
  if (rows > budget.limits.maxRows) {
    throw new ProtocolError(413, `${where} has ${rows} rows; the most one request may carry is ${budget.limits.maxRows} (--max-request-rows)`);
  }
  if (!Array.isArray(instances) || !isPlainObject(instances[0])) {
    const spec = onlyInput(signature);
    return { [spec.name]: tensorFromNested(spec, instances as NestedList, where, budget) };
  }
  const inputs: Record<string, Tensor> = {};
  for (const spec of signature.inputs) {
    const rows = instances.map((instance: unknown, index: number) => {
      if (!isPlainObject(instance)) throw badRequest(`${where}[${index}] must be an object like the first instance`);
      if (!Object.hasOwn(instance, spec.name)) throw badRequest(`${where}[${index}] lacks input '${spec.name}'`);
      return instance[spec.name];
    });
    inputs[spec.name] = tensorFromNested(spec, rows, `${where}.${spec.name}`, budget);
  }
  rejectUnknownNames(Object.keys(instances[0] as object), signature);
  return inputs;
}

/** Columnar format: the whole tensor for the single input, or an object mapping input names to tensors. */
function fromColumns(columns: unknown, signature: ModelSignature, budget: Budget): Record<string, Tensor> {
  if (listLength(columns) !== undefined) {
    const spec = onlyInput(signature);
    return { [spec.name]: tensorFromNested(spec, columns as NestedList, 'inputs', budget) };
  }
  if (!isPlainObject(columns)) throw badRequest('inputs must be an array or an object keyed by input name');
  rejectUnknownNames(Object.keys(columns), signature);
  const inputs: Record<string, Tensor> = {};
  for (const spec of signature.inputs) {
    const value = columns[spec.name];
    if (value === undefined) throw badRequest(`inputs lacks input '${spec.name}'`);
    if (listLength(value) === undefined) throw badRequest(`inputs.${spec.name} must be an array`);
    inputs[spec.name] = tensorFromNested(spec, value as NestedList, `inputs.${spec.name}`, budget);
  }
  return inputs;
}

type NestedList = unknown[] | PackedNumbers;

/** The length of a list, packed or not; undefined for anything else. */
function listLength(value: unknown): number | undefined {
  if (Array.isArray(value)) return value.length;
  return value instanceof PackedNumbers ? value.shape[0] : undefined;
}

function tensorFromNested(spec: TensorSpec, value: NestedList, where: string, budget: Budget): Tensor {
  // Packed lists are rectangular and at most as deep as rectangularShape allows (packed-array-reader.ts).
  const shape = value instanceof PackedNumbers ? [...value.shape] : rectangularShape(value, where);
  budget.elements = checkShapeWithinLimits(shape, budget.limits, budget.elements, where);
  return { datatype: spec.datatype, shape, data: readJsonTensorData(spec.datatype, shape, value, where) };
}

/** The shape of nested lists, rejecting ragged ones (whose element count alone could still look right). */
function rectangularShape(value: unknown[], where: string): number[] {
  const shape: number[] = [];
  let probe: unknown = value;
  while (Array.isArray(probe)) {
    // Bounded before the recursive check below walks it: thousands of levels would overflow the stack.
    if (shape.length === MAX_NESTING) throw badRequest(`${where} is nested more than ${MAX_NESTING} levels deep`);
    shape.push(probe.length);
    probe = probe[0];
  }
  checkRectangular(value, shape, 0, where);
  return shape;
}

function checkRectangular(value: unknown, shape: number[], depth: number, where: string): void {
  if (depth === shape.length) {
    if (Array.isArray(value)) throw badRequest(`${where} is ragged: nested lists differ in depth`);
    return;
  }
  if (!Array.isArray(value) || value.length !== shape[depth]) throw badRequest(`${where} is ragged: nested lists differ in length`);
  if (depth + 1 === shape.length) {
    for (const item of value) if (Array.isArray(item)) throw badRequest(`${where} is ragged: nested lists differ in depth`);
    return;
  }
  for (const item of value) checkRectangular(item, shape, depth + 1, where);
}

function onlyInput(signature: ModelSignature): TensorSpec {
  const [spec, ...others] = signature.inputs;
  if (spec === undefined || others.length > 0) {
    throw badRequest(`the model has ${signature.inputs.length} inputs; send objects keyed by input name`);
  }
  return spec;
}

function rejectUnknownNames(names: string[], signature: ModelSignature): void {
  const unknown = names.find((name) => !signature.inputs.some((spec) => spec.name === name));
  if (unknown !== undefined) throw badRequest(`unknown input '${unknown}'`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The model's outputs in the order its signature declares them; every declared output must be there. */
export function outputsInSignatureOrder(outputs: Record<string, Tensor>, signature: ModelSignature): Tensor[] {
  return signature.outputs.map(({ name }) => {
    const tensor = outputs[name];
    if (tensor === undefined) throw new Error(`inference returned no output '${name}'`);
    return tensor;
  });
}

/**
 * `predictions` has one entry per row of the outputs: the row itself for a single-output model, an object
 * keyed by output name otherwise (e.g. a classifier's label and probabilities).
 */
export function encodeV1Predictions(outputs: Record<string, Tensor>, signature: ModelSignature): string {
  const tensors = outputsInSignatureOrder(outputs, signature);
  const names = signature.outputs.map((spec) => spec.name);
  const rows = tensors[0]?.shape[0] ?? 0;
  const predictions: unknown[] = new Array(rows);
  for (let row = 0; row < rows; row++) {
    if (tensors.length === 1) {
      predictions[row] = rowValue(tensors[0]!, row);
    } else {
      const entry: Record<string, unknown> = {};
      tensors.forEach((tensor, index) => {
        entry[names[index]!] = rowValue(tensor, row);
      });
      predictions[row] = entry;
    }
  }
  return JSON.stringify({ predictions });
}

function rowValue(tensor: Tensor, row: number): unknown {
  const rowShape = tensor.shape.slice(1);
  const rowLength = elementCount(rowShape);
  const values = jsonValues(tensor.datatype, tensor.data, row * rowLength, (row + 1) * rowLength);
  return rowShape.length === 0 ? values[0] : nest(values, rowShape, 0, 0).value;
}

function nest(values: unknown[], shape: number[], depth: number, offset: number): { value: unknown[]; next: number } {
  const size = shape[depth]!;
  if (depth === shape.length - 1) return { value: values.slice(offset, offset + size), next: offset + size };
  const out: unknown[] = [];
  let cursor = offset;
  for (let i = 0; i < size; i++) {
    const inner = nest(values, shape, depth + 1, cursor);
    out.push(inner.value);
    cursor = inner.next;
  }
  return { value: out, next: cursor };
}
