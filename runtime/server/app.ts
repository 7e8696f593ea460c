import type { IncomingMessage, ServerResponse } from 'node:http';
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import type { RuntimeContext } from './context.ts';
import { answerV1Predict, answerV2Infer } from './inference-endpoint.ts';
import { matchInferenceRoute } from './inference-routes.ts';
import { answerV1ModelStatus, answerV2ModelMetadata, answerV2ModelReady } from './model-endpoints.ts';
import { answerModelConfig, answerModelStatistics } from './triton-endpoints.ts';
import { answerLive, answerMetrics, answerReady, answerServerMetadata } from './health-endpoints.ts';
import { OPENAPI_DOCUMENT } from './openapi.ts';
import { errorAnswer, sendError, sendJson } from './respond.ts';

/**
 * The runtime's HTTP request listener: inference requests go straight to their handler (see
 * inference-routes.ts), everything else to the express application.
 */
export function createRequestListener(context: RuntimeContext): (req: IncomingMessage, res: ServerResponse) => void {
  const app = createApp(context);
  return (req, res) => {
    const route = matchInferenceRoute(req.method, req.url);
    if (route === undefined) app(req, res);
    else if (route.protocol === 'v2') answerV2Infer(context, req, res, route.model, route.version);
    else answerV1Predict(context, req, res, route.model);
  };
}

/** The HTTP API apart from the inference paths, as an express application. */
export function createApp(context: RuntimeContext): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');

  app.get('/v2', (_req, res) => answerServerMetadata(res));
  app.get('/v2/health/live', (_req, res) => answerLive(res));
  app.get('/v2/health/ready', (_req, res) => answerReady(context, res));

  // Triton's statistics for every model; before `/v2/models/:model`, which would claim it.
  app.get('/v2/models/stats', (req, res) => answerModelStatistics(context, req, res, undefined, undefined));
  app.get('/v2/models/:model', (req, res) => answerV2ModelMetadata(context, req, res, param(req, 'model'), undefined));
  app.get('/v2/models/:model/versions/:version', (req, res) =>
    answerV2ModelMetadata(context, req, res, param(req, 'model'), param(req, 'version')),
  );
  app.get('/v2/models/:model/ready', (req, res) => answerV2ModelReady(context, res, param(req, 'model'), undefined));
  app.get('/v2/models/:model/versions/:version/ready', (req, res) =>
    answerV2ModelReady(context, res, param(req, 'model'), param(req, 'version')),
  );

  // Triton's extensions (triton-endpoints.ts).
  app.get('/v2/models/:model/config', (req, res) => answerModelConfig(context, req, res, param(req, 'model'), undefined));
  app.get('/v2/models/:model/versions/:version/config', (req, res) =>
    answerModelConfig(context, req, res, param(req, 'model'), param(req, 'version')),
  );
  app.get('/v2/models/:model/stats', (req, res) => answerModelStatistics(context, req, res, param(req, 'model'), undefined));
  app.get('/v2/models/:model/versions/:version/stats', (req, res) =>
    answerModelStatistics(context, req, res, param(req, 'model'), param(req, 'version')),
  );

  app.get('/v1/models/:model', (req, res) => answerV1ModelStatus(context, req, res, param(req, 'model')));

  app.get('/metrics', (_req, res, next) => {
    answerMetrics(context, res).catch(next);
  });
  app.get('/openapi.json', (_req, res) => sendJson(res, 200, OPENAPI_DOCUMENT));

  app.use((req: Request, res: Response) => sendError(res, 404, `no route for ${req.method} ${req.path}`));
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const answer = errorAnswer(error);
    if (answer.unexpected) {
      // express's own errors (e.g. an undecodable path) carry a client status; anything else is ours.
      const status = (error as { status?: unknown; expose?: unknown }).status;
      if (typeof status === 'number' && status >= 400 && status < 500) return sendError(res, status, (error as Error).message);
      context.log.error({ err: error, path: req.path }, 'request failed unexpectedly');
    }
    sendError(res, answer.status, answer.message);
  });
  return app;
}

function param(req: Request, name: string): string {
  const value = req.params[name];
  return typeof value === 'string' ? value : '';
}
