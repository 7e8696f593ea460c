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
import { allowedMethods } from './allowed-methods.ts';
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
  // A predict path asked with GET would otherwise read as the status of a model named "iris:predict".
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (allowedMethods(req.path) !== POST_PATH_METHODS || req.method === 'POST') return next();
    rejectWrongMethod(context, req, res);
  });
  addServerRoutes(app, context);
  addModelRoutes(app, context);
  addTritonRoutes(app, context);
  addFallbacks(app, context);
  return app;
}

/** The server's own endpoints: metadata, probes, metrics and the OpenAPI document. */
function addServerRoutes(app: express.Express, context: RuntimeContext): void {
  app.get('/v2', (_req, res) => answerServerMetadata(res));
  app.get('/v2/health/live', (_req, res) => answerLive(res));
  app.get('/v2/health/ready', (_req, res) => answerReady(context, res));
  app.get('/metrics', (_req, res, next) => {
    answerMetrics(context, res).catch(next);
  });
  app.get('/openapi.json', (_req, res) => sendJson(res, 200, OPENAPI_DOCUMENT));
}

/** The model's metadata and readiness, V2 and V1 (model-endpoints.ts). */
function addModelRoutes(app: express.Express, context: RuntimeContext): void {
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
  app.get('/v1/models/:model', (req, res) => answerV1ModelStatus(context, req, res, param(req, 'model')));
}

/** Triton's extensions: model configuration and statistics (triton-endpoints.ts). */
function addTritonRoutes(app: express.Express, context: RuntimeContext): void {
  app.get('/v2/models/:model/config', (req, res) => answerModelConfig(context, req, res, param(req, 'model'), undefined));
  app.get('/v2/models/:model/versions/:version/config', (req, res) =>
    answerModelConfig(context, req, res, param(req, 'model'), param(req, 'version')),
  );
  app.get('/v2/models/:model/stats', (req, res) => answerModelStatistics(context, req, res, param(req, 'model'), undefined));
  app.get('/v2/models/:model/versions/:version/stats', (req, res) =>
    answerModelStatistics(context, req, res, param(req, 'model'), param(req, 'version')),
  );
}

/** 405 for a known path asked with the wrong method, 404 for the rest, and errors as `{"error": …}`. */
function addFallbacks(app: express.Express, context: RuntimeContext): void {
  app.use((req: Request, res: Response) => {
    const allow = allowedMethods(req.path);
    if (allow !== undefined && !allow.includes(req.method)) return rejectWrongMethod(context, req, res);
    context.metrics.requestRejected(404);
    sendError(res, 404, `no route for ${req.method} ${req.path}`);
  });
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const answer = errorAnswer(error);
    context.metrics.requestRejected(answer.unexpected ? clientStatus(error) ?? 500 : answer.status);
    if (answer.unexpected) {
      // express's own errors (e.g. an undecodable path) carry a client status; anything else is ours.
      const status = clientStatus(error);
      if (status !== undefined) return sendError(res, status, (error as Error).message);
      context.log.error({ err: error, path: req.path }, 'request failed unexpectedly');
    }
    sendError(res, answer.status, answer.message);
  });
}

const POST_PATH_METHODS = allowedMethods('/v1/models/m:predict');

function rejectWrongMethod(context: RuntimeContext, req: Request, res: Response): void {
  const allow = allowedMethods(req.path) ?? [];
  context.metrics.requestRejected(405);
  res.setHeader('allow', allow.join(', '));
  sendError(res, 405, `${req.method} is not allowed on ${req.path}; use ${allow.join(' or ')}`);
}

/** The status express's own errors carry (e.g. 400 for an undecodable path); undefined for anything else. */
function clientStatus(error: unknown): number | undefined {
  const status = (error as { status?: unknown }).status;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : undefined;
}

function param(req: Request, name: string): string {
  const value = req.params[name];
  return typeof value === 'string' ? value : '';
}
