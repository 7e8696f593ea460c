import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { Registry } from 'prom-client';
import type { BindAddress } from '../config.ts';

type Handler = () => Promise<{ status: number; type: string; body: string }>;

/** A tiny GET-only server for the operator's own endpoints; anything else is 404. */
async function serve(address: BindAddress, routes: Record<string, Handler>): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const route = req.method === 'GET' ? routes[path] : undefined;
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    route().then(
      (r) => res.writeHead(r.status, { 'content-type': r.type }).end(r.body),
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(err)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => resolve());
  });
  return server;
}

export function serveMetrics(address: BindAddress, registry: Registry): Promise<Server> {
  return serve(address, {
    '/metrics': async () => ({ status: 200, type: registry.contentType, body: await registry.metrics() }),
  });
}

/**
 * /healthz answers while the event loop turns; /readyz only once `ready()`
 * holds, with the reason when it does not.
 */
export function serveProbes(address: BindAddress, ready: () => string | undefined): Promise<Server> {
  return serve(address, {
    '/healthz': async () => ({ status: 200, type: 'text/plain', body: 'ok\n' }),
    '/readyz': async () => {
      const notReady = ready();
      return notReady === undefined
        ? { status: 200, type: 'text/plain', body: 'ok\n' }
        : { status: 503, type: 'text/plain', body: `${notReady}\n` };
    },
  });
}

export function closeServer(server: Server | undefined): Promise<void> {
  if (!server) return Promise.resolve();
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
