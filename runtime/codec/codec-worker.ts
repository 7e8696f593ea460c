/**
 * A worker thread that decodes large request bodies (streamed into typed arrays, or JSON.parse, then validation) and
 * encodes large answers, so that the thread answering HTTP and probes never spends the better part of a
 * second on one request.
 */
import { parentPort } from 'node:worker_threads';
import { movableBuffers, runCodecTask } from './codec-jobs.ts';
import type { CodecTask } from './codec-jobs.ts';

const port = parentPort;
if (port === null) throw new Error('codec-worker must run as a worker thread');

/**
 * A body moved here is this thread's alone: once decoded, its memory (up to the body limit) is handed back
 * at once by detaching it, rather than whenever a collection finds the buffer unreferenced. Until then the
 * worker's heap has few objects and collects seldom, so 64 MiB could stay for seconds beside the next body.
 */
function freeBody(bytes: Uint8Array): void {
  const buffer = bytes.buffer;
  if (buffer instanceof ArrayBuffer && !buffer.detached) buffer.transfer(0);
}

port.on('message', ({ id, task }: { id: number; task: CodecTask }) => {
  const outcome = runCodecTask(id, task, freeBody);
  port.postMessage(outcome, movableBuffers(outcome));
});
