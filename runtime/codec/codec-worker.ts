/**
 * A worker thread that decodes large request bodies (streamed into typed arrays, or JSON.parse, then validation) and
 * encodes large answers, so that the thread answering HTTP and probes never spends the better part of a
 * second on one request.
 */
import { parentPort } from 'node:worker_threads';
import { movableBuffers, runCodecTask } from './codec-jobs.ts';
import type { CodecTask } from './codec-jobs.ts';
import { freeBuffer } from '../free-buffer.ts';

const port = parentPort;
if (port === null) throw new Error('codec-worker must run as a worker thread');

/**
 * What is moved here (a body to decode, the outputs to encode) is this thread's alone: once used, its memory
 * is handed back at once by detaching it, rather than whenever a collection finds the buffer unreferenced.
 * Until then the worker's heap has few objects and collects seldom, so a 64 MiB body could stay for seconds
 * beside the next one, and outputs pile up across answers (freeBuffer, free-buffer.ts).
 */
port.on('message', ({ id, task }: { id: number; task: CodecTask }) => {
  const outcome = runCodecTask(id, task, freeBuffer);
  port.postMessage(outcome, movableBuffers(outcome));
  // After the answer has gone: it may have been made of an output's own buffer, and then moved already.
  if (task.kind === 'encode') for (const tensor of Object.values(task.job.outputs)) if (!Array.isArray(tensor.data)) freeBuffer(tensor.data);
});
