/**
 * The CNN goal's yardstick: how many images per second onnxruntime-node reaches calling session.run
 * directly on batches, in one process, using every CPU, with no HTTP at all. Each batch size given is run
 * back to back for the given seconds; prints one JSON line with each size's rate and the best of them.
 * Usage: node bench/servers/cnn-in-process.ts <model.onnx> <seconds per batch size> [batch sizes, default 4,8,16]
 */
import { availableParallelism } from 'node:os';
import ort from 'onnxruntime-node';

const [modelPath, secondsText, batchesText] = process.argv.slice(2);
if (modelPath === undefined) throw new Error('usage: cnn-in-process.ts <model.onnx> <seconds> [batch,batch,...]');
const seconds = Number(secondsText ?? '5');
const batches = (batchesText ?? '4,8,16').split(',').map(Number);
const session = await ort.InferenceSession.create(modelPath, {
  intraOpNumThreads: availableParallelism(),
  graphOptimizationLevel: 'all',
  logSeverityLevel: 3,
});
const inputName = session.inputNames[0]!;

const byBatch: Record<string, number> = {};
for (const batch of batches) {
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
const [bestBatch, imagesPerSecond] = Object.entries(byBatch).reduce((best, entry) => (entry[1] > best[1] ? entry : best));
process.stdout.write(`${JSON.stringify({ imagesPerSecond, batch: Number(bestBatch), byBatch })}\n`);
