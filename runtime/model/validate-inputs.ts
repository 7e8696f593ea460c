import { badRequest } from '../protocol/errors.ts';
import type { Tensor } from '../tensor/datatypes.ts';
import type { ModelSignature } from './signature.ts';

/**
 * Checks a request's tensors against the model before they reach onnxruntime, so that a bad request gets a
 * 400 naming what is wrong and can never fail a batch it shares with other callers.
 */
export function validateInputs(signature: ModelSignature, inputs: Record<string, Tensor>, batchable: boolean): void {
  let leading: number | undefined;
  for (const spec of signature.inputs) {
    const tensor = inputs[spec.name];
    if (tensor === undefined) throw badRequest(`missing input '${spec.name}'`);
    if (tensor.datatype !== spec.datatype) {
      throw badRequest(`input '${spec.name}' has datatype ${tensor.datatype}, the model expects ${spec.datatype}`);
    }
    if (tensor.shape.length !== spec.shape.length) {
      throw badRequest(`input '${spec.name}' has shape [${tensor.shape.join(', ')}], the model expects [${spec.shape.join(', ')}]`);
    }
    spec.shape.forEach((dim, axis) => {
      if (dim >= 0 && tensor.shape[axis] !== dim) {
        throw badRequest(`input '${spec.name}' has shape [${tensor.shape.join(', ')}], the model expects [${spec.shape.join(', ')}]`);
      }
    });
    if (batchable) {
      const rows = tensor.shape[0];
      if (leading === undefined) leading = rows;
      else if (rows !== leading) throw badRequest(`inputs disagree on the batch dimension (${leading} and ${rows} rows)`);
    }
  }
  if (batchable && leading === 0) throw badRequest('the batch dimension must be at least 1');
  const known = signature.inputs.length;
  if (Object.keys(inputs).length !== known) {
    const unknown = Object.keys(inputs).find((name) => !signature.inputs.some((spec) => spec.name === name));
    throw badRequest(`unknown input '${unknown}'; the model's inputs are ${signature.inputs.map((spec) => `'${spec.name}'`).join(', ')}`);
  }
}

/** Shapes must be lists of non-negative integers; checked where requests are decoded. */
export function parseShape(value: unknown, where: string): number[] {
  if (!Array.isArray(value)) throw badRequest(`${where}.shape must be an array of non-negative integers`);
  for (const dim of value) {
    if (typeof dim !== 'number' || !Number.isSafeInteger(dim) || dim < 0) {
      throw badRequest(`${where}.shape must be an array of non-negative integers`);
    }
  }
  return value as number[];
}
