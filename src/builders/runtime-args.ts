import { servedModelName } from '../api/defaults.ts';
import type { ModelDeployment } from '../api/types.ts';
import { GRPC_PORT, HTTP_PORT, MODEL_FILE, AUTH_TOKEN_FILE } from './paths.ts';

type Spec = Pick<ModelDeployment, 'metadata' | 'spec'>;

// Arguments for the runtime image's ENTRYPOINT (`modelship-runtime`): the pod
// spec sets `args` only, so the image decides what program runs.

/** `fetch` for the init container: download the model into the shared volume, checking its sha256. */
export function fetchArgs(md: Spec): string[] {
  const { uri, sha256 } = md.spec.model;
  return ['fetch', '--uri', uri, '--dest', MODEL_FILE, ...(sha256 ? ['--sha256', sha256] : [])];
}

/** `serve` for the main container (ADR 0001's command line). */
export function serveArgs(md: Spec): string[] {
  const { model, runtime } = md.spec;
  const args = [
    'serve',
    '--model',
    MODEL_FILE,
    '--name',
    servedModelName(md),
    '--model-version',
    model.version,
    '--port',
    String(HTTP_PORT),
    '--grpc-port',
    servesGrpc(md) ? String(GRPC_PORT) : 'off',
  ];
  // serve checks the file again: an emptyDir reused after a container restart must still match.
  if (model.sha256) args.push('--sha256', model.sha256);
  if (runtime?.threads !== undefined) args.push('--threads', String(runtime.threads));
  const batching = runtime?.batching;
  if (batching) {
    args.push('--max-batch-size', String(batching.maxBatchSize), '--max-queue-delay-ms', String(batching.maxQueueDelayMs));
    if (batching.maxQueueSize !== undefined) args.push('--max-queue-size', String(batching.maxQueueSize));
  }
  if (runtime?.executionProvider) args.push('--execution-provider', runtime.executionProvider);
  if (runtime?.authTokenSecret) args.push('--auth-token-file', AUTH_TOKEN_FILE);
  return args;
}


/** gRPC is on unless the spec turns it off. */
export function servesGrpc(md: Pick<ModelDeployment, 'spec'>): boolean {
  return md.spec.runtime?.grpc !== false;
}
