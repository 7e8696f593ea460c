/**
 * A rectangular nested JSON array of numbers, held as its shape and its values in row-major order instead of
 * as JavaScript arrays: what the streaming tensor reader (tensor-json-reader.ts) leaves where a request's
 * tensor data lies. 4 million values as arrays of boxed numbers take hundreds of megabytes of heap; here they
 * take 8 bytes each, outside the heap, and none of it is left for the collector to find.
 */
export class PackedNumbers {
  readonly shape: readonly number[];
  readonly count: number;
  readonly #blocks: readonly Block[];

  constructor(shape: readonly number[], blocks: readonly Block[], count: number) {
    this.shape = shape;
    this.#blocks = blocks;
    this.count = count;
  }

  /** Calls `visit` with every value's row-major index and the value, in order. */
  forEach(visit: (index: number, value: number) => void): void {
    let index = 0;
    for (const block of this.#blocks) {
      const end = Math.min(block.length, this.count - index);
      for (let i = 0; i < end; i++) visit(index++, block[i]!);
    }
  }

  /**
   * Hands the values' memory back at once, by detaching the blocks, instead of whenever a collection finds
   * them: the codec thread's heap holds few objects and collects seldom. The values are gone after.
   */
  discard(): void {
    for (const block of this.#blocks) if (!block.buffer.detached) block.buffer.transfer(0);
  }

  /** The same value JSON.parse would have built: nested arrays of numbers (for small arrays, e.g. a shape). */
  toNested(): unknown[] {
    const values: number[] = [];
    this.forEach((_, value) => values.push(value));
    return nest(values, this.shape, 0, 0);
  }
}

function nest(values: number[], shape: readonly number[], depth: number, offset: number): unknown[] {
  const length = shape[depth]!;
  if (depth === shape.length - 1) return values.slice(offset, offset + length);
  let stride = 1;
  for (let d = depth + 1; d < shape.length; d++) stride *= shape[d]!;
  const out: unknown[] = new Array(length);
  for (let i = 0; i < length; i++) out[i] = nest(values, shape, depth + 1, offset + i * stride);
  return out;
}

type Block = Float64Array<ArrayBuffer> | Float32Array<ArrayBuffer>;

/**
 * Values appended one by one into blocks of a fixed size: growing never copies what is already stored, as a
 * doubling array would (holding the old and the new copy at once).
 */
export const BLOCK_VALUES = 64 * 1024;

export class NumberBlocks {
  readonly #blocks: Block[] = [];
  readonly #singlePrecision: boolean;
  #current: Block = new Float64Array(0);
  #filled = 0;
  #count = 0;

  /**
   * `singlePrecision`: values bound for an FP32 tensor are kept as float32, half the memory; the caller
   * makes sure each is finite as a float32 (Math.fround), so storing it again changes nothing.
   */
  constructor(singlePrecision = false) {
    this.#singlePrecision = singlePrecision;
  }

  get count(): number {
    return this.#count + this.#filled;
  }

  push(value: number): void {
    if (this.#filled === this.#current.length) this.#grow();
    this.#current[this.#filled++] = value;
  }

  #grow(): void {
    this.#count += this.#filled;
    this.#current = this.#singlePrecision ? new Float32Array(BLOCK_VALUES) : new Float64Array(BLOCK_VALUES);
    this.#blocks.push(this.#current);
    this.#filled = 0;
  }

  pack(shape: readonly number[]): PackedNumbers {
    return new PackedNumbers(shape, this.#blocks, this.count);
  }
}
