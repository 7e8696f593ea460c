import type { Tensor } from '../tensor/datatypes.ts';
import type { ModelSignature } from '../model/signature.ts';

/** What the main thread and the session workers say to each other. */

export type ExecutionProvider = 'cpu' | 'cuda';

/** Passed as workerData: everything a worker needs to open its own session. */
export interface SessionWorkerInit {
  /** The verified model bytes; each worker parses them, so no worker re-reads a file that could have changed. */
  modelBytes: Uint8Array;
  intraOpThreads: number;
  /** Niceness of inference threads relative to the HTTP thread (Linux); 0 leaves them equal. */
  niceness: number;
  executionProvider: ExecutionProvider;
}

export interface RunRequest {
  id: number;
  /** The batch's requests' inputs, in order, joined along the leading dimension by the worker (one when already joined). */
  parts: Record<string, Tensor>[];
}

export type WorkerMessage =
  | {
      kind: 'loaded';
      signature: ModelSignature;
      /** True when warm-up showed that outputs follow a free leading input dimension, so requests can be batched. */
      batchable: boolean;
      executionProvider: ExecutionProvider;
      warnings: string[];
    }
  | { kind: 'load-failed'; reason: string }
  | { kind: 'result'; id: number; outputs: Record<string, Tensor>; inferenceSeconds: number }
  | { kind: 'run-failed'; id: number; message: string };
