import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServedModel } from '../model/served-model.ts';
import { ProtocolError } from '../protocol/errors.ts';
import type { RuntimeContext } from './context.ts';
import { checkModelAddress } from './model-address.ts';
import { errorAnswer, sendError, sendJson } from './respond.ts';

/** Model metadata and readiness, for the v2 and V1 protocols. */

export function answerV2ModelMetadata(context: RuntimeContext, req: IncomingMessage, res: ServerResponse, name: string, version: string | undefined): void {
  answer(res, () => {
    context.auth?.check(req);
    const model = context.model;
    checkModelAddress(model, name, version);
    const signature = model.signature;
    if (signature === undefined) throw new ProtocolError(503, model.notReadyReason() ?? 'model is not ready');
    return [
      200,
      JSON.stringify({
        name: model.name,
        versions: [model.version],
        platform: 'onnxruntime_onnx',
        inputs: signature.inputs,
        outputs: signature.outputs,
      }),
    ];
  });
}

export function answerV2ModelReady(context: RuntimeContext, res: ServerResponse, name: string, version: string | undefined): void {
  answer(res, () => {
    checkModelAddress(context.model, name, version);
    return readiness(context.model);
  });
}

/** V1's model status: `{"name": ..., "ready": ...}`. */
export function answerV1ModelStatus(context: RuntimeContext, req: IncomingMessage, res: ServerResponse, name: string): void {
  answer(res, () => {
    context.auth?.check(req);
    checkModelAddress(context.model, name, undefined);
    return readiness(context.model);
  });
}

function readiness(model: ServedModel): [number, string] {
  const reason = model.notReadyReason();
  if (reason === undefined) return [200, JSON.stringify({ name: model.name, ready: true })];
  return [503, JSON.stringify({ name: model.name, ready: false, reason })];
}

function answer(res: ServerResponse, produce: () => [number, string]): void {
  try {
    const [status, body] = produce();
    sendJson(res, status, body);
  } catch (error) {
    const { status, message } = errorAnswer(error);
    sendError(res, status, message);
  }
}
