/**
 * A worker thread that decodes large request bodies (JSON.parse, validation, conversion to typed arrays) and
 * encodes large answers, so that the thread answering HTTP and probes never spends the better part of a
 * second on one request.
 */
import { parentPort } from 'node:worker_threads';
import { movableBuffers, runCodecTask } from './codec-jobs.ts';
import type { CodecTask } from './codec-jobs.ts';

const port = parentPort;
if (port === null) throw new Error('codec-worker must run as a worker thread');

port.on('message', ({ id, task }: { id: number; task: CodecTask }) => {
  const outcome = runCodecTask(id, task);
  port.postMessage(outcome, movableBuffers(outcome));
});
