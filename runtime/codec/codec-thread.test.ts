import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import type { ModelSignature } from '../model/signature.ts';
import { ProtocolError } from '../protocol/errors.ts';
import { encodeV1Predictions, parseV1PredictRequest } from '../protocol/v1-predict.ts';
import { parseV2InferRequest } from '../protocol/v2-infer-request.ts';
import { encodeV2InferResponse } from '../protocol/v2-infer-response.ts';
import { CodecThread } from './codec-thread.ts';

const SIGNATURE: ModelSignature = {
  inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 10] }],
  outputs: [{ name: 'variable', datatype: 'FP32', shape: [-1, 1] }],
};
const ROWS = 200_000;
const LIMITS = { maxRows: ROWS, maxElements: 10 * ROWS };

/** A V1 body of `rows` rows, each row's values telling its index apart (about 30 MiB for 200,000 rows). */
function v1Body(rows: number): Buffer {
  const parts: string[] = [];
  for (let row = 0; row < rows; row++) parts.push(`[${row},0.125,0.25,0.5,1,2,4,8,16,${-row}]`);
  return Buffer.from(`{"instances":[${parts.join(',')}]}`);
}

describe('the codec thread', () => {
  const thread = new CodecThread();
  after(() => thread.close());

  test('decodes a large V1 body to the tensors the protocol decoder gives, while the event loop keeps turning', async () => {
    const body = v1Body(ROWS);
    const expected = parseV1PredictRequest(body, SIGNATURE, LIMITS);
    let turns = 0;
    let done = false;
    const decoding = thread.decode({ protocol: 'v1', body: Buffer.from(body), headerLength: undefined, signature: SIGNATURE, limits: LIMITS });
    const counting = (async () => {
      while (!done) {
        await nextTurn();
        turns++;
      }
    })();
    const decoded = await decoding.finally(() => (done = true));
    await counting;
    assert.equal(decoded.protocol, 'v1');
    if (decoded.protocol !== 'v1') return;
    assert.deepEqual(decoded.inputs.input!.shape, [ROWS, 10]);
    assert.deepEqual(decoded.inputs.input!.data, expected.input!.data);
    // Decoding on this thread would allow no turn at all until it is done; parsing 200,000 rows takes a while.
    assert.ok(turns > 20, `the event loop turned ${turns} times while the body was decoded`);
  });

  test('a refusal comes back as the ProtocolError the decoder threw, status and message kept', async () => {
    const tooMany = { maxRows: 1024, maxElements: 10 * ROWS };
    await assert.rejects(
      thread.decode({ protocol: 'v1', body: v1Body(2000), headerLength: undefined, signature: SIGNATURE, limits: tooMany }),
      (error: unknown) => error instanceof ProtocolError && error.status === 413 && /2000 rows; the most one request may carry is 1024/.test(error.message),
    );
    await assert.rejects(
      thread.decode({ protocol: 'v2', body: Buffer.from('{"inputs": ['), headerLength: undefined, signature: SIGNATURE, limits: LIMITS }),
      (error: unknown) => error instanceof ProtocolError && error.status === 400 && /malformed JSON/.test(error.message),
    );
  });

  test('a large V2 JSON body decodes as on the HTTP thread, and an FP32 overflow in one is refused with the same message', async () => {
    const data = Array.from({ length: 10 * ROWS }, (_, index) => index / 3);
    const request = { id: 'big', inputs: [{ name: 'input', datatype: 'FP32', shape: [ROWS, 10], data }] };
    const body = Buffer.from(JSON.stringify(request));
    const decoded = await thread.decode({ protocol: 'v2', body: Buffer.from(body), headerLength: undefined, signature: SIGNATURE, limits: LIMITS });
    assert.deepStrictEqual(decoded, { protocol: 'v2', request: parseV2InferRequest(body, undefined, SIGNATURE, LIMITS) });
    data[ROWS] = 1e39;
    const overflow = Buffer.from(JSON.stringify(request));
    const expected = (() => {
      try {
        parseV2InferRequest(overflow, undefined, SIGNATURE, LIMITS);
      } catch (error) {
        return error as ProtocolError;
      }
      throw new Error('the overflow was accepted');
    })();
    await assert.rejects(
      thread.decode({ protocol: 'v2', body: overflow, headerLength: undefined, signature: SIGNATURE, limits: LIMITS }),
      (error: ProtocolError) => error.status === expected.status && error.message === expected.message,
    );
    assert.match(expected.message, /1e\+39 is out of range for FP32/);
  });

  test('decodes V2 binary tensors, and a body that is a slice of a larger buffer leaves that buffer intact', async () => {
    const values = new Float32Array(20).map((_, index) => index / 4);
    const header = Buffer.from(JSON.stringify({ id: 'x', inputs: [{ name: 'input', datatype: 'FP32', shape: [2, 10], parameters: { binary_data_size: 80 } }] }));
    const shared = Buffer.concat([Buffer.from('junk'), header, Buffer.from(values.buffer)]);
    const body = shared.subarray(4);
    const decoded = await thread.decode({ protocol: 'v2', body, headerLength: String(header.length), signature: SIGNATURE, limits: LIMITS });
    assert.equal(decoded.protocol, 'v2');
    if (decoded.protocol !== 'v2') return;
    assert.equal(decoded.request.id, 'x');
    assert.deepEqual(decoded.request.inputs.input!.data, values);
    assert.equal(shared.subarray(0, 4).toString(), 'junk');
  });

  test('encodes V1 predictions as this thread would, and a batch slice leaves the batch buffer usable', async () => {
    const batch = new Float32Array(2 * ROWS).map((_, index) => index / 8);
    const slice = batch.subarray(ROWS);
    const outputs = () => ({ variable: { datatype: 'FP32' as const, shape: [ROWS, 1], data: slice } });
    const expected = encodeV1Predictions(outputs(), SIGNATURE);
    const encoded = await thread.encode({ protocol: 'v1', outputs: outputs(), signature: SIGNATURE });
    assert.equal(encoded.jsonLength, undefined);
    assert.equal(Buffer.from(encoded.body).toString(), expected);
    assert.equal(batch.length, 2 * ROWS);
    assert.equal(batch[1], 1 / 8);
  });

  test('encodes a V2 answer with binary outputs as this thread would', async () => {
    const data = new Float32Array(ROWS).map((_, index) => index);
    const request = { id: 'r1', outputs: [{ name: 'variable', binary: true }], binaryOutputs: false };
    const expected = encodeV2InferResponse('m', '2', { ...request, inputs: {} }, { variable: { datatype: 'FP32', shape: [ROWS, 1], data: data.slice() } }, SIGNATURE);
    const encoded = await thread.encode({
      protocol: 'v2', modelName: 'm', modelVersion: '2', request, outputs: { variable: { datatype: 'FP32', shape: [ROWS, 1], data } }, signature: SIGNATURE,
    });
    assert.equal(encoded.jsonLength, expected.jsonLength);
    assert.ok(Buffer.from(encoded.body).equals(expected.body as Buffer));
  });

  test('stops its thread when idle, and starts one again for the next body', async () => {
    const quick = new CodecThread(50);
    try {
      const job = { protocol: 'v1' as const, body: v1Body(2), headerLength: undefined, signature: SIGNATURE, limits: LIMITS };
      await quick.decode(job);
      assert.equal(quick.running, true);
      for (let waited = 0; quick.running && waited < 5000; waited += 20) await sleep(20);
      assert.equal(quick.running, false);
      const again = await quick.decode({ ...job, body: v1Body(3) });
      assert.equal(again.protocol === 'v1' && again.inputs.input!.shape[0], 3);
    } finally {
      await quick.close();
    }
  });
});
