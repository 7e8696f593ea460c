/**
 * The CNN goal's yardstick: how many images per second onnxruntime-node reaches calling session.run
 * directly on batches, in one process, using every CPU, with no HTTP at all. Prints one JSON line.
 * Usage: node bench/servers/cnn-in-process.ts <model.onnx> <seconds per batch size>
 */
import { availableParallelism } from 'node:os';
import ort from 'onnxruntime-node';

const [modelPath, secondsText] = process.argv.slice(2);
if (modelPath === undefined) throw new Error('usage: cnn-in-process.ts <model.onnx> <seconds>');
const seconds = Number(secondsText ?? '5');
const session = await ort.InferenceSession.create(modelPath, {
  intraOpNumThreads: availableParallelism(),
  graphOptimizationLevel: 'all',
  logSeverityLevel: 3,
});
const inputName = session.inputNames[0]!;

const byBatch: Record<string, number> = {};
for (const batch of [4, 8, 16]) {
  const input = new ort.Tensor('float32', new Float32Array(batch * 3 * 224 * 224).fill(0.5), [batch, 3, 224, 224]);
  await session.run({ [inputName]: input });
  let images = 0;
  const started = performance.now();
  while (performance.now() - started < seconds * 1000) {
    await session.run({ [inputName]: input });
    images += batch;
  }
  byBatch[batch] = images / ((performance.now() - started) / 1000);
}
const best = Math.max(...Object.values(byBatch));
process.stdout.write(`${JSON.stringify({ imagesPerSecond: best, byBatch })}\n`);
