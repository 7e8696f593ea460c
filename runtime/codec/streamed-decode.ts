import type { RequestLimits } from '../protocol/request-limits.ts';
import { TensorJsonReader } from '../tensor/tensor-json-reader.ts';
import type { TensorSlots } from '../tensor/tensor-json-reader.ts';

/**
 * A large JSON body read by the streaming tensor reader, its tensor data packed; undefined where the reader
 * leaves it to JSON.parse (tensor-json-reader.ts says what it leaves), and the caller decodes it as small
 * bodies are. Anything the reader throws counts as left to JSON.parse: the usual path then gives the answer
 * or the error the client would have had anyway.
 */
export function readTensorJson(body: Uint8Array, slots: TensorSlots, limits: RequestLimits): Record<string, unknown> | undefined {
  try {
    const reader = new TensorJsonReader(slots, limits.maxElements);
    reader.feed(body);
    return reader.end();
  } catch {
    return undefined;
  }
}
