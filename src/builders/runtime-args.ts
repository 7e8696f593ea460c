import { GRPC_PORT, HTTP_PORT, MODEL_FILE, AUTH_TOKEN_FILE } from './paths.ts';
import type { RevisionTemplate } from './revision.ts';

// Arguments for the runtime image's ENTRYPOINT (`modelship-runtime`): the pod
// spec sets `args` only, so the image decides what program runs.

/** `fetch` for the init container: download the model into the shared volume, checking its sha256. */
export function fetchArgs(model: RevisionTemplate['model']): string[] {
  const { uri, sha256 } = model;
  return ['fetch', '--uri', uri, '--dest', MODEL_FILE, ...(sha256 ? ['--sha256', sha256] : [])];
}

/** `serve` for the main container (ADR 0001's command line). */
export function serveArgs(template: RevisionTemplate): string[] {
  const { model, runtime } = template;
  const args = [
    'serve',
    '--model',
    MODEL_FILE,
    '--name',
    model.name,
    '--model-version',
    model.version,
    '--port',
    String(HTTP_PORT),
    '--grpc-port',
    servesGrpc(runtime) ? String(GRPC_PORT) : 'off',
  ];
  // serve checks the file again: an emptyDir reused after a container restart must still match.
  if (model.sha256) args.push('--sha256', model.sha256);
  if (runtime.threads !== undefined) args.push('--threads', String(runtime.threads));
  const batching = runtime.batching;
  if (batching) {
    args.push('--max-batch-size', String(batching.maxBatchSize), '--max-queue-delay-ms', String(batching.maxQueueDelayMs));
    if (batching.maxQueueSize !== undefined) args.push('--max-queue-size', String(batching.maxQueueSize));
  }
  if (runtime.maxRequestRows !== undefined) args.push('--max-request-rows', String(runtime.maxRequestRows));
  if (runtime.maxRequestElements !== undefined) args.push('--max-request-elements', String(runtime.maxRequestElements));
  if (runtime.executionProvider) args.push('--execution-provider', runtime.executionProvider);
  if (runtime.authTokenSecret) args.push('--auth-token-file', AUTH_TOKEN_FILE);
  return args;
}

/** gRPC is on unless the runtime settings turn it off. */
export function servesGrpc(runtime: { grpc?: boolean } | undefined): boolean {
  return runtime?.grpc !== false;
}
