// The proving ground's own test workload (image ghcr.io/modelship/testapp):
// a tiny HTTP server whose readiness, crashes, shutdown and API access tests
// can steer and observe. Not part of the product.
//
//   --host H --port P                 where to listen (default 0.0.0.0:8080)
//   --start-unready                   /readyz answers 503 until POST /control/ready
//   --exit-after-ms N --exit-code C   exit on its own (crash-loop tests)
//   --marker-dir D                    write D/<pod>.sigterm when SIGTERM arrives
//   --shutdown-delay-ms N             linger this long after SIGTERM before exiting
//   --config PATH, positionals        ignored; GET /env shows them as the kubelet passed them
//
// GET /healthz, /readyz, /stats, /env, /kube-check; POST /control/ready|unready.
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values: options } = parseArgs({
  options: {
    host: { type: 'string', default: '0.0.0.0' },
    port: { type: 'string', default: '8080' },
    'start-unready': { type: 'boolean', default: false },
    'exit-after-ms': { type: 'string' },
    'exit-code': { type: 'string', default: '1' },
    'marker-dir': { type: 'string' },
    'shutdown-delay-ms': { type: 'string', default: '0' },
    // Accepted and ignored: tests pass paths here to see how the kubelet rewrites them (GET /env).
    config: { type: 'string' },
  },
  allowPositionals: true,
});

const podName = process.env.POD_NAME ?? process.env.HOSTNAME ?? hostname();
let ready = !options['start-unready'];
let readinessProbes = 0;
let livenessProbes = 0;

function log(message: string): void {
  process.stdout.write(`${new Date().toISOString()} testapp ${podName}: ${message}\n`);
}

/** Calls the API with the pod's own credentials (KUBECONFIG from the kubelet) and reports status codes. */
async function kubeCheck(): Promise<Record<string, number | string>> {
  // Loaded on demand: client-node takes a while to import, and most tests never ask.
  const { ApiException, CoreV1Api, KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  kc.loadFromDefault();
  const namespace = kc.getContextObject(kc.getCurrentContext())?.namespace ?? process.env.POD_NAMESPACE ?? 'default';
  const core = kc.makeApiClient(CoreV1Api);
  const statusOf = async (call: () => Promise<unknown>): Promise<number | string> => {
    try {
      await call();
      return 200;
    } catch (error) {
      if (error instanceof ApiException) return error.code;
      return error instanceof Error ? error.message : String(error);
    }
  };
  return {
    namespace,
    listPods: await statusOf(() => core.listNamespacedPod({ namespace })),
    deleteConfigMap: await statusOf(() => core.deleteNamespacedConfigMap({ namespace, name: 'testapp-never-exists' })),
  };
}

const server = createServer((request, response) => {
  const send = (status: number, body: unknown): void => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  };
  const path = new URL(request.url ?? '/', 'http://x').pathname;
  if (request.method === 'GET' && path === '/healthz') {
    livenessProbes++;
    return send(200, { ok: true });
  }
  if (request.method === 'GET' && path === '/readyz') {
    readinessProbes++;
    return send(ready ? 200 : 503, { ready });
  }
  if (request.method === 'GET' && path === '/stats') return send(200, { pod: podName, pid: process.pid, ready, readinessProbes, livenessProbes });
  if (request.method === 'GET' && path === '/env') return send(200, { argv: process.argv.slice(2), env: process.env, cwd: process.cwd() });
  if (request.method === 'GET' && path === '/kube-check') {
    kubeCheck().then(
      (result) => send(200, result),
      (error: unknown) => send(500, { error: error instanceof Error ? error.message : String(error) }),
    );
    return;
  }
  if (request.method === 'POST' && (path === '/control/ready' || path === '/control/unready')) {
    ready = path === '/control/ready';
    log(`readiness set to ${ready}`);
    return send(200, { ready });
  }
  if (request.method === 'GET' && path === '/') return send(200, { hello: podName });
  send(404, { error: `no route ${request.method} ${path}` });
});

server.listen(Number(options.port), options.host, () => log(`listening on ${options.host}:${options.port}`));

if (options['exit-after-ms'] !== undefined) {
  setTimeout(() => {
    log(`exiting with code ${options['exit-code']} as asked`);
    process.exit(Number(options['exit-code']));
  }, Number(options['exit-after-ms']));
}

process.on('SIGTERM', () => {
  log('received SIGTERM');
  if (options['marker-dir']) {
    mkdirSync(options['marker-dir'], { recursive: true });
    writeFileSync(join(options['marker-dir'], `${podName}.sigterm`), `${new Date().toISOString()}\n`);
  }
  setTimeout(() => {
    server.close();
    process.exit(0);
  }, Number(options['shutdown-delay-ms']));
});
