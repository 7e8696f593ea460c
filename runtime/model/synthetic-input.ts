import { allocateNumeric, elementCount } from '../tensor/datatypes.ts';
import type { Tensor } from '../tensor/datatypes.ts';
import type { ModelSignature } from './signature.ts';

/**
 * Zero-filled inputs for warm-up: the first real request should not pay for onnxruntime's lazy allocations.
 * Free dimensions become 1, except the leading one, which becomes `rows`.
 */
export function syntheticInputs(signature: ModelSignature, rows: number): Record<string, Tensor> {
  const inputs: Record<string, Tensor> = {};
  for (const spec of signature.inputs) {
    const shape = spec.shape.map((dim, axis) => (dim >= 0 ? dim : axis === 0 ? rows : 1));
    const count = elementCount(shape);
    const data = spec.datatype === 'BYTES' ? new Array<string>(count).fill('') : allocateNumeric(spec.datatype, count);
    inputs[spec.name] = { datatype: spec.datatype, shape, data };
  }
  return inputs;
}
