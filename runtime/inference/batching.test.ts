import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import ort from 'onnxruntime-node';
import { FIXTURES } from '../fixtures/paths.ts';
import { postJson, startReady } from '../test-support/runtime-process.ts';
import type { RuntimeProcess } from '../test-support/runtime-process.ts';

/** Distinct features for every caller and row, so that any mix-up of rows shows. */
function rowsFor(caller: number): number[][] {
  const count = 1 + (caller % 3);
  return Array.from({ length: count }, (_, row) => Array.from({ length: 10 }, (_, k) => ((caller * 13 + row * 5 + k) % 17) / 50 - 0.15));
}

async function expectedOutputs(rows: number[][][]): Promise<number[][]> {
  const session = await ort.InferenceSession.create(FIXTURES.linearRegression, { logSeverityLevel: 3 });
  const outputs: number[][] = [];
  for (const callerRows of rows) {
    const input = new ort.Tensor('float32', Float32Array.from(callerRows.flat()), [callerRows.length, 10]);
    const result = await session.run({ input });
    outputs.push(Array.from(result.variable!.data as Float32Array));
  }
  await session.release();
  return outputs;
}

/** Batched float math may differ from unbatched in the last bit; swapped rows would differ by far more. */
function assertClose(actual: number[], expected: number[]): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((value, index) => {
    const want = expected[index]!;
    assert.ok(Math.abs(value - want) <= 1e-5 * Math.max(1, Math.abs(want)), `${value} vs ${want} at ${index}`);
  });
}

async function batchStats(base: string): Promise<{ batches: number; rows: number }> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const read = (name: string): number => Number(new RegExp(`^modelship_batch_size_${name}\\{[^}]*\\} (\\S+)`, 'm').exec(text)?.[1] ?? 0);
  return { batches: read('count'), rows: read('sum') };
}

describe('dynamic batching', () => {
  let runtime: RuntimeProcess;
  before(async () => {
    // One worker and a long queue delay: concurrent callers are certain to share batches of up to 8 rows.
    runtime = await startReady([
      FIXTURES.linearRegression,
      '--name',
      'diabetes',
      '--threads',
      '1',
      '--max-batch-size',
      '8',
      '--max-queue-delay-ms',
      '500',
    ]);
  });
  after(async () => {
    await runtime?.stop();
  });

  test('concurrent callers share batches and each gets exactly its own rows back', async () => {
    const callers = Array.from({ length: 24 }, (_, caller) => rowsFor(caller));
    const expected = await expectedOutputs(callers);
    const before = await batchStats(runtime.baseUrl);
    const answers = await Promise.all(
      callers.map((rows, caller) =>
        postJson(`${runtime.baseUrl}/v2/models/diabetes/infer`, {
          id: `caller-${caller}`,
          inputs: [{ name: 'input', datatype: 'FP32', shape: [rows.length, 10], data: rows }],
        }),
      ),
    );
    answers.forEach((answer, caller) => {
      assert.equal(answer.status, 200);
      assert.equal(answer.body.id, `caller-${caller}`);
      const output = answer.body.outputs[0];
      assert.deepEqual(output.shape, [callers[caller]!.length, 1]);
      assertClose(output.data, expected[caller]!);
    });
    const afterwards = await batchStats(runtime.baseUrl);
    const rows = callers.reduce((sum, rows) => sum + rows.length, 0);
    assert.equal(afterwards.rows - before.rows, rows);
    assert.ok(afterwards.batches - before.batches < callers.length, 'requests were coalesced into fewer batches');
  });

  test('V1 callers are batched and split the same way', async () => {
    const callers = Array.from({ length: 10 }, (_, caller) => rowsFor(caller + 100));
    const expected = await expectedOutputs(callers);
    const answers = await Promise.all(callers.map((rows) => postJson(`${runtime.baseUrl}/v1/models/diabetes:predict`, { instances: rows })));
    answers.forEach((answer, caller) => {
      assert.equal(answer.status, 200);
      assertClose(answer.body.predictions.flat(), expected[caller]!);
      assert.equal(answer.body.predictions.length, callers[caller]!.length);
    });
  });
});

describe('batching without added delay', () => {
  test('many concurrent callers on the default settings all get their own rows', async () => {
    const runtime = await startReady([FIXTURES.linearRegression, '--name', 'diabetes']);
    try {
      const callers = Array.from({ length: 64 }, (_, caller) => rowsFor(caller + 200));
      const expected = await expectedOutputs(callers);
      const answers = await Promise.all(
        callers.map((rows) =>
          postJson(`${runtime.baseUrl}/v2/models/diabetes/infer`, { inputs: [{ name: 'input', datatype: 'FP32', shape: [rows.length, 10], data: rows }] }),
        ),
      );
      answers.forEach((answer, caller) => assertClose(answer.body.outputs[0].data, expected[caller]!));
    } finally {
      await runtime.stop();
    }
  });
});

describe('batches of large requests, joined by the session worker', () => {
  test('each caller gets exactly its own rows back', async () => {
    // Hundreds of rows a caller: every batch is well over the 16 KiB from which the worker joins it.
    const runtime = await startReady([FIXTURES.linearRegression, '--name', 'diabetes', '--threads', '1', '--max-batch-size', '2048', '--max-queue-delay-ms', '500']);
    try {
      const callers = Array.from({ length: 8 }, (_, caller) => Array.from({ length: 150 + caller * 40 }, (_, row) => rowsFor(caller * 1000 + row)[0]!));
      const expected = await expectedOutputs(callers);
      const before = await batchStats(runtime.baseUrl);
      const answers = await Promise.all(
        callers.map((rows) =>
          postJson(`${runtime.baseUrl}/v2/models/diabetes/infer`, { inputs: [{ name: 'input', datatype: 'FP32', shape: [rows.length, 10], data: rows }] }),
        ),
      );
      answers.forEach((answer, caller) => {
        assert.equal(answer.status, 200);
        assert.deepEqual(answer.body.outputs[0].shape, [callers[caller]!.length, 1]);
        assertClose(answer.body.outputs[0].data, expected[caller]!);
      });
      const afterwards = await batchStats(runtime.baseUrl);
      assert.ok(afterwards.batches - before.batches < callers.length, 'requests were coalesced into fewer batches');
    } finally {
      await runtime.stop();
    }
  });
});
