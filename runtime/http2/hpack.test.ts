// HPACK as the server reads and writes it: the decoder against RFC 7541's worked examples (Appendix C) and
// against what node:http2's client (nghttp2's encoder, Huffman and dynamic table included) sends; the
// encoder against what node:http2's client decodes.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:http2';
import { HpackDecoder } from './hpack-decoder.ts';
import { HpackError } from './hpack-error.ts';
import { decodeHuffman } from './hpack-huffman.ts';
import { encodeHeaderBlock, encodeInteger } from './hpack-encoder.ts';
import { H2Server } from './h2-server.ts';

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const LIMIT = 16 * 1024;

describe('HPACK decoder', () => {
  /** RFC 7541's three example requests (C.3 and C.4), as decoded. */
  const EXAMPLE_REQUESTS = [
    [[':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', 'www.example.com']],
    [[':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', 'www.example.com'], ['cache-control', 'no-cache']],
    [[':method', 'GET'], [':scheme', 'https'], [':path', '/index.html'], [':authority', 'www.example.com'], ['custom-key', 'custom-value']],
  ];
  const EXAMPLES = {
    'C.3: three requests without Huffman coding share one dynamic table': [
      '8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d',
      '8286 84be 5808 6e6f 2d63 6163 6865',
      '8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65',
    ],
    'C.4: the same requests with Huffman-coded strings': [
      '8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff',
      '8286 84be 5886 a8eb 1064 9cbf',
      '8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf',
    ],
  };
  for (const [title, blocks] of Object.entries(EXAMPLES)) {
    test(`RFC 7541 ${title}`, () => {
      const decoder = new HpackDecoder();
      assert.deepEqual(blocks.map((block) => decoder.decode(hex(block), LIMIT).fields), EXAMPLE_REQUESTS);
    });
  }

  test('entries are evicted oldest first; an index past the table is a decoding error', () => {
    // A 100-octet table holds one of these 32 + 10 + 12 octet entries at a time (RFC 7541, 4.1).
    const decoder = new HpackDecoder(100);
    const literal = (value: string): Buffer => Buffer.concat([hex('400a'), Buffer.from('custom-key'), encodeInteger(value.length, 7, 0), Buffer.from(value)]);
    decoder.decode(literal('first-value1'), LIMIT);
    decoder.decode(literal('secondvalue2'), LIMIT);
    assert.deepEqual(decoder.decode(hex('be'), LIMIT).fields, [['custom-key', 'secondvalue2']]);
    assert.throws(() => decoder.decode(hex('bf'), LIMIT), HpackError);
  });

  test('table size updates: only at the start of a block, never above the advertised limit', () => {
    assert.deepEqual(new HpackDecoder().decode(hex('20 82'), LIMIT).fields, [[':method', 'GET']]);
    assert.throws(() => new HpackDecoder().decode(hex('82 20'), LIMIT), /after a header field/);
    assert.throws(() => new HpackDecoder(4096).decode(hex('3fe21f'), LIMIT), /above the 4096 allowed/);
    // Shrinking to 0 empties the table: what was indexed is gone.
    const decoder = new HpackDecoder();
    decoder.decode(hex('8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d'), LIMIT);
    assert.throws(() => decoder.decode(hex('20 be'), LIMIT), /out of range/);
  });

  test('malformed blocks are errors: index 0, truncated strings and integers, Huffman padding and EOS', () => {
    // Index 0; a string and a Huffman string longer than the block; an integer cut off; zero padding; EOS.
    for (const block of ['80', '410a 6162', '3f', '4185 f1e3 c2e5', '4181 00', '4184 ffff ffff']) {
      assert.throws(() => new HpackDecoder().decode(hex(block), LIMIT), HpackError, block);
    }
    assert.throws(() => decodeHuffman(hex('ff ff ff ff')), /EOS/);
    assert.throws(() => decodeHuffman(hex('00')), /padding/);
    assert.equal(decodeHuffman(hex('f1e3 c2e5 f23a 6ba0 ab90 f4ff')), 'www.example.com');
  });

  test('a list over the limit is flagged, decoded to its end, and leaves the table in step', () => {
    const decoder = new HpackDecoder();
    const big = 'x'.repeat(300);
    const block = Buffer.concat([hex('400a'), Buffer.from('custom-key'), encodeInteger(big.length, 7, 0), Buffer.from(big), hex('82')]);
    const decoded = decoder.decode(block, 100);
    assert.equal(decoded.oversize, true);
    assert.deepEqual(decoder.decode(hex('be'), LIMIT).fields, [['custom-key', big]]);
  });
});

describe('HPACK against node:http2', () => {
  test("every printable character, long values and repeats decode as the client's encoder sent them", async () => {
    const seen: Record<string, string>[] = [];
    const server = new H2Server({
      maxConcurrentStreams: 10,
      maxHeaderListBytes: LIMIT,
      receiveWindow: 65_535,
      onStream: (stream) => {
        seen.push({ ...stream.headers });
        stream.onEnd = () => stream.end(encodeHeaderBlock([[':status', '200'], ['x-echo', stream.headers['x-value'] ?? ''], ['x-empty', '']]));
      },
      onUnexpected: (error) => assert.fail(String(error)),
    });
    const port = await server.listen('127.0.0.1', 0);
    const session = connect(`http://127.0.0.1:${port}`);
    const printable = Array.from({ length: 95 }, (_, index) => String.fromCharCode(32 + index)).join('').trim();
    const values = [printable, 'a'.repeat(3000), printable, 'grpc-timeout=99m', '%7Eencoded%20'];
    try {
      for (const value of values) {
        const answer = await new Promise<Record<string, unknown>>((resolve, reject) => {
          const stream = session.request({ ':method': 'POST', ':path': '/p', 'x-value': value, 'x-repeat': ['one', 'two'] });
          stream.on('response', resolve);
          stream.on('error', reject);
          stream.resume();
          stream.end();
        });
        assert.equal(answer[':status'], 200);
        assert.equal(answer['x-echo'], value);
        assert.equal(answer['x-empty'], '');
      }
    } finally {
      session.close();
      server.stopAccepting();
    }
    assert.deepEqual(seen.map((headers) => headers['x-value']), values);
    assert.deepEqual(seen.map((headers) => headers['x-repeat']), values.map(() => 'one, two'));
    assert.deepEqual(seen.map((headers) => [headers[':method'], headers[':path'], headers[':scheme']]), values.map(() => ['POST', '/p', 'http']));
  });
});
