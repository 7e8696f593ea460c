// The adapter's HTTPS server: TLS with its serving certificate, client certificates checked against the
// requestheader client CA the API server publishes (front-proxy.ts), then handler.ts. The CA is re-read
// every minute, so a rotated front-proxy CA takes effect without a restart.
import { createServer } from 'node:https';
import type { Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import type { KubeClient } from '../kube/client.ts';
import { status } from './documents.ts';
import { AUTH_CONFIGMAP, authenticate, requestHeaderConfig } from './front-proxy.ts';
import type { RequestHeaderConfig } from './front-proxy.ts';
import { answer, methodAndUrl, send } from './handler.ts';
import type { MetricValues } from './handler.ts';
import { route } from './routes.ts';

const CA_REFRESH_MS = 60_000;

export interface AdapterServerOptions {
  client: KubeClient;
  log: Logger;
  source: MetricValues;
  metrics: readonly string[];
  certPem: string;
  keyPem: string;
}

export async function readRequestHeaderConfig(client: KubeClient): Promise<RequestHeaderConfig> {
  const cm = await client.get<{ data?: Record<string, string> }>(`/api/v1/namespaces/${AUTH_CONFIGMAP.namespace}/configmaps/${AUTH_CONFIGMAP.name}`);
  const config = requestHeaderConfig(cm.data);
  if (!config) throw new Error(`${AUTH_CONFIGMAP.namespace}/${AUTH_CONFIGMAP.name} has no requestheader-client-ca-file: the API server has no aggregation layer configured`);
  return config;
}

export async function startAdapterServer(opts: AdapterServerOptions, host: string, port: number): Promise<Server> {
  let config = await readRequestHeaderConfig(opts.client);
  const tls = (c: RequestHeaderConfig) => ({ cert: opts.certPem, key: opts.keyPem, ca: c.clientCaPem });
  // requestCert without rejectUnauthorized: the kubelet's probes come without a certificate; every other
  // path refuses a connection whose certificate did not verify (handle below).
  const server = createServer({ ...tls(config), requestCert: true, rejectUnauthorized: false, minVersion: 'TLSv1.2' }, (req, res) => {
    handle(req, res, opts, config).catch((err: unknown) => {
      opts.log.error({ err: String(err), url: req.url }, 'custom metrics request failed');
      if (!res.headersSent) send(res, { code: 500, body: status(500, 'InternalError', String(err)) });
    });
  });
  const refresh = setInterval(() => {
    readRequestHeaderConfig(opts.client).then(
      (fresh) => {
        config = fresh;
        server.setSecureContext(tls(fresh));
      },
      (err: unknown) => opts.log.warn({ err: String(err) }, 'could not re-read the requestheader client CA; keeping the last one'),
    );
  }, CA_REFRESH_MS);
  refresh.unref();
  server.on('close', () => clearInterval(refresh));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}

async function handle(req: IncomingMessage, res: ServerResponse, opts: AdapterServerOptions, config: RequestHeaderConfig): Promise<void> {
  const [method, url] = methodAndUrl(req);
  const r = route(method, url);
  if (r.kind !== 'health') {
    const socket = req.socket as TLSSocket;
    const cert = socket.getPeerCertificate();
    const commonName = [cert.subject?.CN].flat()[0];
    const who = authenticate({ verified: socket.authorized, ...(commonName ? { commonName } : {}) }, req.headers, config);
    if ('refused' in who) {
      opts.log.debug({ url, why: who.refused }, 'refused an unauthenticated request');
      send(res, { code: 401, body: status(401, 'Unauthorized', who.refused) });
      return;
    }
    opts.log.debug({ url, user: who.user }, 'custom metrics request');
  }
  send(res, await answer(r, opts.metrics, opts.source));
}
