/**
 * A worker thread that decodes large request bodies (JSON.parse, validation, conversion to typed arrays), so
 * that the thread answering HTTP and probes never spends the better part of a second on one request.
 */
import { parentPort } from 'node:worker_threads';
import { decodeOutcome, tensorBuffers } from './decode-job.ts';
import type { DecodeJob } from './decode-job.ts';

const port = parentPort;
if (port === null) throw new Error('decode-worker must run as a worker thread');

port.on('message', ({ id, job }: { id: number; job: DecodeJob }) => {
  const outcome = decodeOutcome(id, job);
  port.postMessage(outcome, outcome.kind === 'decoded' ? tensorBuffers(outcome.decoded) : []);
});
