import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PackedNumbers } from './packed-numbers.ts';
import { TensorJsonReader, Unsupported } from './tensor-json-reader.ts';
import type { TensorSlots } from './tensor-json-reader.ts';

// The reader either gives what JSON.parse gives (its tensor lists packed) or throws Unsupported, whatever the
// bytes and however they are cut into chunks.

/** The document with its packed lists turned back into the arrays they stand for. */
function unpacked(value: unknown): unknown {
  if (value instanceof PackedNumbers) return value.toNested();
  if (Array.isArray(value)) return value.map(unpacked);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, unpacked(item)]));
  return value;
}

function readChunks(chunks: readonly Uint8Array[], slots: TensorSlots, maxValues = 1e9): Record<string, unknown> {
  const reader = new TensorJsonReader(slots, maxValues);
  for (const chunk of chunks) reader.feed(chunk);
  return reader.end();
}

function read(text: string, slots: TensorSlots): Record<string, unknown> {
  return readChunks([Buffer.from(text)], slots);
}

/** Reads `text` whole, cut in two at every byte, and one byte at a time: always the same as JSON.parse. */
function assertReadsLikeJsonParse(text: string, slots: TensorSlots): Record<string, unknown> {
  const expected: unknown = JSON.parse(text);
  const bytes = Buffer.from(text);
  const whole = read(text, slots);
  assert.deepStrictEqual(unpacked(whole), expected, text);
  for (let cut = 0; cut <= bytes.length; cut++) {
    assert.deepStrictEqual(unpacked(readChunks([bytes.subarray(0, cut), bytes.subarray(cut)], slots)), expected, `${text} cut at ${cut}`);
  }
  const single = [...bytes].map((byte) => Uint8Array.of(byte));
  assert.deepStrictEqual(unpacked(readChunks(single, slots)), expected, `${text} byte by byte`);
  return whole;
}

const V1_BODIES = [
  '{"instances":[[1,2],[3,4],[5,6]]}',
  ' {\r\n\t"instances" : [ [ -0 , 1.5e3 ] , [ 2E-2 , 0.30000000000000004 ] ] } \n',
  '{"instances":[1,2,3]}',
  '{"instances":[[[1],[2]],[[3],[4]]]}',
  '{"inputs":[[1,2]]}',
  '{"inputs":{"a":[[1,2]],"b":[7]}}',
  '{"instances":[{"a":[1,2],"b":7},{"a":[3,4],"b":8}]}',
  '{"instances":[],"signature_name":"serving_default"}',
  '{"instances":[[1e39,-1e400,123456789012345678901234567890,5e-324]]}',
  '{"instances":[[1,2]],"instances":[[3,4]]}',
  '{"instances":["a\\u00e9\\"\\\\\\/\\b\\f\\n\\r\\t", "é€😀"], "x": {"y": [true, false, null, {}, []]}}',
  '{"instances":[[1,2],[3,4]], "meta": [[1,2],[3]]}',
];

const V2_BODIES = [
  '{"inputs":[{"name":"x","shape":[2,2],"datatype":"FP32","data":[[1,2],[3,4]]}]}',
  '{"id":"r1","inputs":[{"name":"x","shape":[3],"datatype":"INT64","data":[1,-2,9007199254740993]},{"name":"s","shape":[1],"datatype":"BYTES","data":["hi"]}],"outputs":[{"name":"y","parameters":{"binary_data":true}}],"parameters":{"binary_data_output":false}}',
  '{"inputs":[{"data":[0.5,-0.25],"datatype":"FP16","shape":[2],"name":"x","parameters":{}}]}',
  '{"inputs":[{"name":"b","shape":[2],"datatype":"BOOL","data":[true,false]}]}',
  '{"inputs":[{"name":"x","shape":[0],"datatype":"FP32","data":[]}]}',
];

test('V1 and V2 bodies read as JSON.parse reads them, cut anywhere', () => {
  for (const body of V1_BODIES) assertReadsLikeJsonParse(body, 'v1');
  for (const body of V2_BODIES) assertReadsLikeJsonParse(body, 'v2');
});

test('tensor data is packed where each protocol puts it, and only there', () => {
  const v1 = assertReadsLikeJsonParse('{"instances":[[1,2],[3,4],[5,6]],"other":[[1,2]]}', 'v1');
  assert.ok(v1.instances instanceof PackedNumbers);
  assert.deepEqual(v1.instances.shape, [3, 2]);
  assert.ok(Array.isArray(v1.other));
  const columns = assertReadsLikeJsonParse('{"inputs":{"a":[[1,2]],"b":[7]}}', 'v1');
  assert.ok((columns.inputs as Record<string, unknown>).a instanceof PackedNumbers);
  const v2 = assertReadsLikeJsonParse(V2_BODIES[0]!, 'v2');
  const [input] = v2.inputs as Record<string, unknown>[];
  assert.ok(input!.data instanceof PackedNumbers);
  assert.ok(Array.isArray(input!.shape));
  // Rows given as objects are no tensor list: read as ordinary JSON.
  const named = assertReadsLikeJsonParse(V1_BODIES[6]!, 'v1');
  assert.ok(Array.isArray(named.instances));
});

const LEFT_TO_JSON_PARSE = [
  '', '   ', '[]', '[1,2]', '"text"', '12', 'null', '\ufeff{"instances":[[1]]}', '{"instances":[[1]]} x', '{"instances":[[1]]}{}',
  '{"instances":[[1,2],[3]]}', '{"instances":[[1,2],3]}', '{"instances":[1,[2]]}', '{"instances":[[]]}', '{"instances":[[1],[]]}',
  '{"instances":[[1,2,]]}', '{"instances":[[1,,2]]}', '{"instances":[,1]}', '{"instances":[[1 2]]}', '{"instances":[NaN]}',
  '{"instances":[Infinity]}', '{"instances":[-Infinity]}', '{"instances":[[1,NaN]]}', '{"instances":[01]}', '{"instances":[.5]}',
  '{"instances":[1.]}', '{"instances":[+1]}', '{"instances":[0x10]}', '{"instances":[1,"2"]}', '{"instances":[[1,true]]}',
  '{"instances":[1,null]}', "{'instances':[1]}", '{instances:[1]}', '{"instances":[1]', '{"instances":[1]]}', '{"instances":[1]}}',
  '{"instances" [1]}', '{"instances"::[1]}', '{"instances":[1],}', '{,"instances":[1]}', '{"a":1 "b":2}', '{"a":tru}', '{"a":nul}',
  '{"a":True}', '{"a":"\u0001"}', '{"a":"\\x41"}', '{"a":"\\u12"}', '{"__proto__":{"x":1}}', '{"a":1}/* comment */',
  `{"instances":${'['.repeat(40)}1${']'.repeat(40)}}`, `{"a":${'['.repeat(100)}${']'.repeat(100)}}`, '{"a":[}', '{"a":{]}',
];

test('what the reader cannot vouch for is left to JSON.parse, whole or cut anywhere', () => {
  for (const text of LEFT_TO_JSON_PARSE) {
    const bytes = Buffer.from(text);
    for (let cut = 0; cut <= bytes.length; cut++) {
      assert.throws(() => readChunks([bytes.subarray(0, cut), bytes.subarray(cut)], 'v1'), Unsupported, `${JSON.stringify(text)} cut at ${cut}`);
    }
  }
});

test('every truncation of a valid body is left to JSON.parse', () => {
  for (const body of [...V1_BODIES.slice(0, 3), V2_BODIES[1]!]) {
    const bytes = Buffer.from(body.trimEnd());
    for (let end = 0; end < bytes.length; end++) assert.throws(() => readChunks([bytes.subarray(0, end)], 'v2'), Unsupported, `${body} ended at ${end}`);
  }
});

test('hostile bodies end in Unsupported promptly, never a stack overflow or a huge allocation', () => {
  const deep = Buffer.from(`{"instances":${'['.repeat(100_000)}`);
  assert.throws(() => read(deep.toString(), 'v1'), Unsupported);
  const deepObjects = `{"a":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}`;
  assert.throws(() => read(deepObjects, 'v2'), Unsupported);
  // More numbers than the request may carry stop the reader as soon as they are read.
  assert.throws(() => readChunks([Buffer.from(`{"instances":[${'1,'.repeat(1000)}1]}`)], 'v1', 1000), Unsupported);
  // A token that never ends is not carried from chunk to chunk without bound.
  const reader = new TensorJsonReader('v1', 1e9);
  reader.feed(Buffer.from('{"instances":[1],"x":"'));
  const filler = Buffer.alloc(64 * 1024, 0x61);
  assert.throws(() => {
    for (let i = 0; i < 32; i++) reader.feed(filler);
  }, Unsupported);
  assert.deepEqual(unpacked(read(`{"instances":[[1e999999999999,-1e-999999999999]]}`, 'v1')), { instances: [[Infinity, -0]] });
});

test('arbitrary JSON (and JSON with a byte changed) reads as JSON.parse reads it, or is left to it', () => {
  const document = fc.oneof(
    fc.json({ depthSize: 'small' }),
    fc.array(fc.array(fc.double(), { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 4 }).map((rows) => JSON.stringify({ instances: rows })),
  );
  const mutated = fc.tuple(document, fc.nat(), fc.constantFrom(...'[]{},:"\\-0123456789.eE tfn x\u00e9')).map(([text, at, byte]) => {
    const index = text.length === 0 ? 0 : at % text.length;
    return text.slice(0, index) + byte + text.slice(index + 1);
  });
  fc.assert(
    fc.property(fc.oneof(document, mutated), fc.nat(), (text, cutAt) => {
      let expected: unknown;
      try {
        expected = JSON.parse(text);
      } catch {
        expected = Unsupported;
      }
      const bytes = Buffer.from(text);
      const cut = bytes.length === 0 ? 0 : cutAt % bytes.length;
      for (const slots of ['v1', 'v2'] as const) {
        let actual: unknown;
        try {
          actual = unpacked(readChunks([bytes.subarray(0, cut), bytes.subarray(cut)], slots));
        } catch (error) {
          assert.ok(error instanceof Unsupported, String(error));
          continue;
        }
        assert.notEqual(expected, Unsupported, `${text} was read though JSON.parse refuses it`);
        assert.deepStrictEqual(actual, expected);
      }
    }),
    { numRuns: 3000 },
  );
});
