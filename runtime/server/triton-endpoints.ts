import type { IncomingMessage, ServerResponse } from 'node:http';
import { modelConfigDocument } from '../model/model-config.ts';
import { ProtocolError } from '../protocol/errors.ts';
import type { RuntimeContext } from './context.ts';
import { checkModelAddress } from './model-address.ts';
import { errorAnswer, sendError, sendJson } from './respond.ts';

/**
 * Triton's model configuration and statistics extensions over REST, which Triton's clients call
 * (`get_model_config`, `get_inference_statistics`). Both are model endpoints: bearer auth applies.
 */

export function answerModelConfig(context: RuntimeContext, req: IncomingMessage, res: ServerResponse, name: string, version: string | undefined): void {
  answer(res, () => {
    context.auth?.check(req);
    checkModelAddress(context.model, name, version);
    if (context.model.signature === undefined) throw new ProtocolError(503, context.model.notReadyReason() ?? 'model is not ready');
    return modelConfigDocument(context.model);
  });
}

/** `name` undefined: every model (`/v2/models/stats`), which is this runtime's one. */
export function answerModelStatistics(context: RuntimeContext, req: IncomingMessage, res: ServerResponse, name: string | undefined, version: string | undefined): void {
  answer(res, () => {
    context.auth?.check(req);
    if (name !== undefined) checkModelAddress(context.model, name, version);
    return { model_stats: [context.metrics.statistics.document(context.model.name, context.model.version)] };
  });
}

function answer(res: ServerResponse, produce: () => unknown): void {
  try {
    sendJson(res, 200, JSON.stringify(produce()));
  } catch (error) {
    const { status, message } = errorAnswer(error);
    sendError(res, status, message);
  }
}
