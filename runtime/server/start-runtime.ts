import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '../log.ts';
import { RuntimeMetrics } from '../metrics.ts';
import { ServedModel } from '../model/served-model.ts';
import type { ServedModelOptions } from '../model/served-model.ts';
import { BearerAuth } from './bearer-auth.ts';
import type { InflightRequests, RuntimeContext } from './context.ts';
import type { RequestLimits } from '../protocol/request-limits.ts';
import { serverOptions } from './server-timeouts.ts';
import type { ServerTimeouts } from './server-timeouts.ts';
import { createRequestListener } from './app.ts';
import { installGracefulShutdown } from './graceful-shutdown.ts';
import { GrpcListener } from '../grpc/grpc-server.ts';
import { CodecThread } from '../codec/codec-thread.ts';
import { LargeBodyGate } from './large-body-gate.ts';

export interface RuntimeSettings {
  model: ServedModelOptions;
  host: string;
  port: number;
  /** The gRPC port; undefined turns gRPC off. */
  grpcPort: number | undefined;
  maxBodyBytes: number;
  limits: RequestLimits;
  timeouts: ServerTimeouts;
  authToken: string | undefined;
  injectErrorRate: number;
  /** Count what the model predicts (docs/adr/0008-prediction-summaries.md). */
  predictionSummaries: boolean;
  drainTimeoutMs: number;
  logLevel: string;
}

/**
 * Starts listening first and loads the model second, so that probes and metrics answer (not ready, and why)
 * while a large model loads.
 */
export async function startRuntime(settings: RuntimeSettings): Promise<Server> {
  const log = createLogger(settings.logLevel);
  const inflight: InflightRequests = { count: 0, receiving: new Set() };
  let model: ServedModel | undefined;
  const metrics = new RuntimeMetrics(settings.model.name, settings.model.version, {
    inflightRequests: () => inflight.count,
    queueDepth: () => model?.queueDepth ?? 0,
  }, { predictionSummaries: settings.predictionSummaries });
  model = new ServedModel(settings.model, log, metrics);
  const context: RuntimeContext = {
    model,
    metrics,
    log,
    auth: settings.authToken === undefined ? undefined : new BearerAuth(settings.authToken),
    maxBodyBytes: settings.maxBodyBytes,
    limits: settings.limits,
    injectErrorRate: settings.injectErrorRate,
    inflight,
    codec: new CodecThread(),
    largeBodies: new LargeBodyGate(settings.maxBodyBytes),
  };
  if (settings.injectErrorRate > 0) {
    log.warn({ injectErrorRate: settings.injectErrorRate }, 'fault injection on: some inference requests will fail on purpose');
  }
  // gRPC binds first, so that the HTTP "listening" line means both listeners are up.
  const grpc = await startGrpc(context, settings);
  const server = createServer(serverOptions(settings.timeouts), createRequestListener(context));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.port, settings.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  log.info({ host: address.address, port: address.port }, 'listening');
  installGracefulShutdown({ server, grpc, model, inflight, log, drainTimeoutMs: settings.drainTimeoutMs });
  void model.load().then(() => grpc?.refreshHealth());
  return server;
}

async function startGrpc(context: RuntimeContext, settings: RuntimeSettings): Promise<GrpcListener | undefined> {
  if (settings.grpcPort === undefined) return undefined;
  const grpc = new GrpcListener(context, settings.timeouts);
  const port = await grpc.listen(settings.host, settings.grpcPort);
  context.log.info({ host: settings.host, port }, 'grpc listening');
  return grpc;
}
