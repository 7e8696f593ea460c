import { datatypeOfOrt } from '../tensor/datatypes.ts';
import type { Datatype } from '../tensor/datatypes.ts';

/** What a model takes and gives, as the protocol describes it: -1 marks a dimension of any size. */
export interface TensorSpec {
  name: string;
  datatype: Datatype;
  shape: number[];
}

export interface ModelSignature {
  inputs: TensorSpec[];
  outputs: TensorSpec[];
}

/** The subset of onnxruntime's value metadata this runtime reads. */
export interface ValueMetadata {
  name: string;
  isTensor: boolean;
  type?: string;
  shape?: ReadonlyArray<number | string>;
}

export function signatureFromMetadata(inputs: readonly ValueMetadata[], outputs: readonly ValueMetadata[]): ModelSignature {
  return { inputs: inputs.map((value) => specOf(value, 'input')), outputs: outputs.map((value) => specOf(value, 'output')) };
}

function specOf(value: ValueMetadata, role: string): TensorSpec {
  const datatype = value.isTensor && value.type ? datatypeOfOrt(value.type) : undefined;
  if (datatype === undefined) {
    // skl2onnx's ZipMap output (a sequence of maps) is the usual cause: onnxruntime-node cannot return it.
    const kind = value.isTensor ? `tensor of ${value.type}` : 'non-tensor value';
    throw new Error(`${role} '${value.name}' is a ${kind}, which this runtime cannot serve (export classifiers with zipmap=False)`);
  }
  // Symbolic or unnamed dimensions come back as strings; the protocol says -1.
  const shape = (value.shape ?? []).map((dim) => (typeof dim === 'number' && dim >= 0 ? dim : -1));
  return { name: value.name, datatype, shape };
}

/** A model can batch requests when every input's first dimension is free; warm-up confirms the outputs follow. */
export function declaresDynamicBatch(signature: ModelSignature): boolean {
  return signature.inputs.length > 0 && signature.inputs.every((input) => input.shape.length > 0 && input.shape[0] === -1);
}
