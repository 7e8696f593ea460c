import type { ModelSignature } from '../model/signature.ts';
import type { RequestLimits } from '../protocol/request-limits.ts';
import { TensorJsonReader } from '../tensor/tensor-json-reader.ts';
import type { TensorSlots } from '../tensor/tensor-json-reader.ts';

/**
 * A large JSON body read by the streaming tensor reader, its tensor data packed; undefined where the reader
 * leaves it to JSON.parse (tensor-json-reader.ts says what it leaves), and the caller decodes it as small
 * bodies are. Anything the reader throws counts as left to JSON.parse: the usual path then gives the answer
 * or the error the client would have had anyway.
 */
export function readTensorJson(body: Uint8Array, slots: TensorSlots, signature: ModelSignature, limits: RequestLimits): Record<string, unknown> | undefined {
  try {
    const reader = new TensorJsonReader(slots, limits.maxElements, slots === 'v1' ? v1Fp32Slots(signature) : undefined);
    reader.feed(body);
    return reader.end();
  } catch {
    return undefined;
  }
}

/**
 * Which V1 slots hold FP32 tensors, known from the model before the body is read: `instances` or `inputs`
 * (depth 1) for a model with one input, `inputs.<name>` (depth 2) by the input's name. V2 bodies say their
 * datatypes themselves, possibly after the data and more than once, so their data is kept as float64.
 */
function v1Fp32Slots(signature: ModelSignature): (depth: number, key: string) => boolean {
  const [only, ...others] = signature.inputs;
  const single = only !== undefined && others.length === 0 && only.datatype === 'FP32';
  return (depth, key) => (depth === 1 ? single : signature.inputs.some((spec) => spec.name === key && spec.datatype === 'FP32'));
}
