import { PREFIX_BYTES } from './grpc-framing.ts';
import type { InferOutputTensor, InferTensorContents, ModelInferResponse } from './messages.ts';
import { bigVarintSize, delimitedSize, int32Size, ProtoWriter, varintSize } from './proto-writer.ts';

/**
 * ModelInferResponse written straight into its gRPC message frame: the size is worked out first, then one
 * buffer of exactly the frame's size is filled, prefix included. protobufjs, used before, built the message
 * in a chain of small writes, then the frame was a second copy (frameMessage); on the tiny model's call this
 * was about 3 µs of the main thread's time (docs/adr/0004-grpc.md). Every field the runtime answers with is
 * written (the response's `parameters` are never set); empty strings and lists are left out, as proto3 does.
 * infer-response-frame.test.ts checks the bytes decode with protobufjs to the same message.
 */

type Element = boolean | number | string;

/** InferTensorContents' packed fields: field number, bytes of one element, how to write one. */
interface PackedField {
  field: number;
  size: (value: Element) => number;
  write: (writer: ProtoWriter, value: Element) => void;
}

const sixtyFour: Omit<PackedField, 'field'> = {
  size: (value) => bigVarintSize(BigInt(value)),
  write: (writer, value) => writer.bigVarint(BigInt(value)),
};

const PACKED: Partial<Record<keyof InferTensorContents, PackedField>> = {
  bool_contents: { field: 1, size: () => 1, write: (writer, value) => writer.varint(value ? 1 : 0) },
  int_contents: { field: 2, size: (value) => int32Size(value as number), write: (writer, value) => writer.int32(value as number) },
  int64_contents: { field: 3, ...sixtyFour },
  uint_contents: { field: 4, size: (value) => varintSize(value as number), write: (writer, value) => writer.varint(value as number) },
  uint64_contents: { field: 5, ...sixtyFour },
  fp32_contents: {
    field: 6,
    size: () => 4,
    write: (writer, value) => void (writer.offset = writer.buffer.writeFloatLE(value as number, writer.offset)),
  },
  fp64_contents: {
    field: 7,
    size: () => 8,
    write: (writer, value) => void (writer.offset = writer.buffer.writeDoubleLE(value as number, writer.offset)),
  },
};
const BYTES_CONTENTS_FIELD = 8;

export function encodeModelInferResponseFrame(message: ModelInferResponse): Buffer {
  const outputSizes = message.outputs.map(outputSize);
  let size = stringSize(message.model_name) + stringSize(message.model_version) + stringSize(message.id);
  for (const outputBytes of outputSizes) size += delimitedSize(outputBytes);
  for (const raw of message.raw_output_contents) size += delimitedSize(raw.byteLength);
  const frame = Buffer.allocUnsafe(PREFIX_BYTES + size);
  frame[0] = 0;
  frame.writeUInt32BE(size, 1);
  const writer = new ProtoWriter(frame, PREFIX_BYTES);
  writeString(writer, 1, message.model_name);
  writeString(writer, 2, message.model_version);
  writeString(writer, 3, message.id);
  message.outputs.forEach((output, index) => {
    writer.header(5, outputSizes[index]!);
    writeOutput(writer, output);
  });
  for (const raw of message.raw_output_contents) writer.bytesField(6, raw);
  if (writer.offset !== frame.length) throw new Error(`ModelInferResponse: wrote ${writer.offset} bytes of ${frame.length}`);
  return frame;
}

function outputSize(output: InferOutputTensor): number {
  let size = stringSize(output.name) + stringSize(output.datatype);
  const shape = shapeSize(output.shape);
  if (shape > 0) size += delimitedSize(shape);
  if (output.contents !== undefined) size += delimitedSize(contentsSize(output.contents));
  return size;
}

function writeOutput(writer: ProtoWriter, output: InferOutputTensor): void {
  writeString(writer, 1, output.name);
  writeString(writer, 2, output.datatype);
  const shape = shapeSize(output.shape);
  if (shape > 0) {
    writer.header(3, shape);
    for (const dim of output.shape) writer.varint(dim);
  }
  if (output.contents === undefined) return;
  writer.header(5, contentsSize(output.contents));
  for (const [name, packed] of Object.entries(PACKED) as [keyof InferTensorContents, PackedField][]) {
    const values = output.contents[name] as Element[] | undefined;
    if (values === undefined || values.length === 0) continue;
    writer.header(packed.field, packedSize(packed, values));
    for (const value of values) packed.write(writer, value);
  }
  for (const bytes of output.contents.bytes_contents ?? []) writer.bytesField(BYTES_CONTENTS_FIELD, bytes);
}

function contentsSize(contents: InferTensorContents): number {
  let size = 0;
  for (const [name, packed] of Object.entries(PACKED) as [keyof InferTensorContents, PackedField][]) {
    const values = contents[name] as Element[] | undefined;
    if (values !== undefined && values.length > 0) size += delimitedSize(packedSize(packed, values));
  }
  for (const bytes of contents.bytes_contents ?? []) size += delimitedSize(bytes.byteLength);
  return size;
}

function packedSize(packed: PackedField, values: readonly Element[]): number {
  let size = 0;
  for (const value of values) size += packed.size(value);
  return size;
}

/** Shapes are non-negative dimensions (the runtime's own outputs), so plain varints. */
function shapeSize(shape: readonly number[]): number {
  let size = 0;
  for (const dim of shape) size += varintSize(dim);
  return size;
}

function stringSize(text: string): number {
  return text === '' ? 0 : delimitedSize(Buffer.byteLength(text));
}

function writeString(writer: ProtoWriter, field: number, text: string): void {
  if (text !== '') writer.stringField(field, text, Buffer.byteLength(text));
}
