import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync, gzipSync } from 'node:zlib';
import { encodeGrpcMessage, GrpcError, GrpcStatus } from './grpc-errors.ts';
import { frameMessage, MessageReader } from './grpc-framing.ts';

function refusal(reader: MessageReader, chunk: Buffer): GrpcError {
  try {
    reader.push(chunk);
  } catch (error) {
    assert.ok(error instanceof GrpcError);
    return error;
  }
  throw new Error('the chunk was accepted');
}

describe('gRPC message framing', () => {
  test('a message that arrives in one chunk is a view of that chunk, not a copy', () => {
    const frame = frameMessage(Buffer.from('hello'));
    assert.deepEqual([...frame.subarray(0, 5)], [0, 0, 0, 0, 5]);
    const reader = new MessageReader(100, undefined);
    reader.push(frame);
    assert.equal(reader.messages.length, 1);
    assert.equal(reader.messages[0]!.toString(), 'hello');
    assert.equal(reader.messages[0]!.buffer, frame.buffer);
    assert.ok(reader.atBoundary);
  });

  test('messages split anywhere across chunks, prefix included, are joined whole and in order', () => {
    const stream = Buffer.concat([frameMessage(Buffer.from('first message')), frameMessage(Buffer.alloc(0)), frameMessage(Buffer.from('second'))]);
    for (let cut = 1; cut < stream.length; cut++) {
      for (const size of [1, 2, 3, 7]) {
        const reader = new MessageReader(100, undefined);
        reader.push(stream.subarray(0, cut));
        for (let offset = cut; offset < stream.length; offset += size) reader.push(stream.subarray(offset, Math.min(stream.length, offset + size)));
        assert.deepEqual(reader.messages.map(String), ['first message', '', 'second'], `cut at ${cut}, then ${size}-byte chunks`);
        assert.ok(reader.atBoundary);
      }
    }
  });

  test('a partial message leaves the reader off a boundary', () => {
    const reader = new MessageReader(100, undefined);
    reader.push(frameMessage(Buffer.from('abc')).subarray(0, 6));
    assert.equal(reader.messages.length, 0);
    assert.equal(reader.atBoundary, false);
  });

  test('a length over the limit is refused from the prefix alone, with grpc-js\'s sentence', () => {
    const prefix = Buffer.from([0, 0, 0, 0x10, 0]);
    const error = refusal(new MessageReader(4095, undefined), prefix);
    assert.equal(error.code, GrpcStatus.RESOURCE_EXHAUSTED);
    assert.equal(error.message, 'Received message larger than max (4096 vs. 4095)');
    const atLimit = new MessageReader(4096, undefined);
    atLimit.push(prefix);
    assert.equal(atLimit.messages.length, 0);
  });

  test('gzip and deflate messages are inflated; other encodings are UNIMPLEMENTED, the flag without one INTERNAL', () => {
    const compressedFrame = (bytes: Buffer): Buffer => {
      const frame = frameMessage(bytes);
      frame[0] = 1;
      return frame;
    };
    const gzip = new MessageReader(100, 'gzip');
    gzip.push(compressedFrame(gzipSync('zipped')));
    const deflate = new MessageReader(100, 'deflate');
    deflate.push(compressedFrame(deflateSync('deflated')));
    assert.deepEqual([...gzip.messages.map(String), ...deflate.messages.map(String)], ['zipped', 'deflated']);
    const snappy = refusal(new MessageReader(100, 'snappy'), Buffer.from([1, 0, 0, 0, 1, 42]));
    assert.deepEqual([snappy.code, snappy.message], [GrpcStatus.UNIMPLEMENTED, 'Received message compressed with unsupported encoding "snappy"']);
    assert.equal(refusal(new MessageReader(100, undefined), Buffer.from([1, 0, 0, 0, 1, 42])).code, GrpcStatus.INTERNAL);
    assert.equal(refusal(new MessageReader(100, 'identity'), Buffer.from([1, 0, 0, 0, 1, 42])).code, GrpcStatus.INTERNAL);
    assert.equal(refusal(new MessageReader(100, undefined), Buffer.from([2, 0, 0, 0, 0])).code, GrpcStatus.INTERNAL);
    const garbage = refusal(new MessageReader(100, 'gzip'), compressedFrame(Buffer.from('not gzip')));
    assert.equal(garbage.code, GrpcStatus.INTERNAL);
    // The encoding header alone changes nothing: uncompressed messages under it are read.
    const reader = new MessageReader(100, 'gzip');
    reader.push(frameMessage(Buffer.from('plain')));
    assert.deepEqual(reader.messages.map(String), ['plain']);
  });

  test('a small compressed message that inflates past the limit is RESOURCE_EXHAUSTED', () => {
    const bomb = gzipSync(Buffer.alloc(1 << 20));
    assert.ok(bomb.length < 4096);
    const frame = frameMessage(bomb);
    frame[0] = 1;
    const error = refusal(new MessageReader(4096, 'gzip'), frame);
    assert.deepEqual([error.code, error.message], [GrpcStatus.RESOURCE_EXHAUSTED, 'Received message that decompresses to more than the max (4096 bytes)']);
  });

  test('grpc-message is percent-encoded outside printable ASCII, and % itself', () => {
    assert.equal(encodeGrpcMessage('unknown model \'iris\'; shape [1, 10]'), 'unknown model \'iris\'; shape [1, 10]');
    assert.equal(encodeGrpcMessage('100% naïve\nline'), '100%25 na%C3%AFve%0Aline');
    assert.equal(decodeURIComponent(encodeGrpcMessage('ünïcode ✓ 50%')), 'ünïcode ✓ 50%');
  });
});
