import type { ServerResponse } from 'node:http';
import { RUNTIME_NAME, RUNTIME_VERSION } from '../version.ts';
import type { RuntimeContext } from './context.ts';
import { sendJson } from './respond.ts';

/**
 * Liveness, readiness, server metadata and metrics. All answer from the main thread's own state, never
 * waiting on inference, so probes stay fast while the workers are saturated.
 */

const LIVE = JSON.stringify({ live: true });
const READY = JSON.stringify({ ready: true });
/** The protocol extensions this runtime answers, the names Triton gives them; the gRPC service reports the same. */
export const SERVER_EXTENSIONS = ['binary_tensor_data', 'model_configuration', 'statistics'];
const SERVER_METADATA = JSON.stringify({
  name: RUNTIME_NAME,
  version: RUNTIME_VERSION,
  extensions: SERVER_EXTENSIONS,
});

export function answerLive(res: ServerResponse): void {
  sendJson(res, 200, LIVE);
}

export function answerReady(context: RuntimeContext, res: ServerResponse): void {
  const reason = context.model.notReadyReason();
  if (reason === undefined) sendJson(res, 200, READY);
  else sendJson(res, 503, JSON.stringify({ ready: false, reason }));
}

export function answerServerMetadata(res: ServerResponse): void {
  sendJson(res, 200, SERVER_METADATA);
}

export async function answerMetrics(context: RuntimeContext, res: ServerResponse): Promise<void> {
  const text = await context.metrics.text();
  res.writeHead(200, { 'content-type': context.metrics.contentType, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
