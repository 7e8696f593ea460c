// The proving ground's own test workload (image ghcr.io/modelship/testapp):
// a tiny HTTP server whose readiness, crashes, shutdown and API access tests
// can steer and observe. Not part of the product.
//
//   --host H --port P                 where to listen (default $POD_IP or 0.0.0.0, port 8080)
//   --start-unready                   /readyz answers 503 until POST /control/ready
//   --exit-after-ms N --exit-code C   exit on its own (crash-loop tests)
//   --marker-dir D                    write D/<pod>.sigterm when SIGTERM arrives
//   --shutdown-delay-ms N             linger this long after SIGTERM before exiting
//   --config PATH, positionals        ignored; GET /env shows them as the kubelet passed them
//
// GET /healthz, /readyz, /stats, /env, /file?path=, /kube-check; POST /control/ready|unready, /write?path=.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values: options } = parseArgs({
  options: {
    // Pods share the host's network here, so the default is the pod's own address when it is given.
    host: { type: 'string', default: process.env.POD_IP ?? '0.0.0.0' },
    port: { type: 'string', default: '8080' },
    'start-unready': { type: 'boolean', default: false },
    'exit-after-ms': { type: 'string' },
    'exit-code': { type: 'string', default: '1' },
    'marker-dir': { type: 'string' },
    'shutdown-delay-ms': { type: 'string', default: '0' },
    // Accepted and ignored: tests pass it to see the arguments as the kubelet passed them (GET /env).
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

/** Where the ServiceAccount admission plugin mounts the pod's API credentials. */
const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * Calls the API as an in-cluster client does (the mounted token and CA, KUBERNETES_SERVICE_HOST/PORT) and
 * reports status codes. Plain node:https: the test image carries no node_modules.
 */
async function kubeCheck(): Promise<Record<string, number | string>> {
  const token = readFileSync(join(SERVICE_ACCOUNT_DIR, 'token'), 'utf8').trim();
  const ca = readFileSync(join(SERVICE_ACCOUNT_DIR, 'ca.crt'));
  const namespace = readFileSync(join(SERVICE_ACCOUNT_DIR, 'namespace'), 'utf8').trim();
  const host = process.env.KUBERNETES_SERVICE_HOST ?? '';
  const port = process.env.KUBERNETES_SERVICE_PORT ?? '443';
  const statusOf = (method: string, path: string): Promise<number | string> =>
    new Promise((resolve) => {
      const call = httpsRequest({ host, port, method, path, ca, headers: { authorization: `Bearer ${token}` } }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      call.on('error', (error) => resolve(error.message));
      call.end();
    });
  return {
    namespace,
    listPods: await statusOf('GET', `/api/v1/namespaces/${namespace}/pods`),
    deleteConfigMap: await statusOf('DELETE', `/api/v1/namespaces/${namespace}/configmaps/testapp-never-exists`),
  };
}

function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { code?: string } }).cause;
  return cause?.code ?? (error instanceof Error ? error.message : String(error));
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
  if (request.method === 'GET' && path === '/env') {
    return send(200, { argv: process.argv.slice(2), env: process.env, cwd: process.cwd(), uid: process.getuid?.(), gid: process.getgid?.() });
  }
  if (request.method === 'GET' && path === '/file') {
    const file = new URL(request.url ?? '/', 'http://x').searchParams.get('path') ?? '';
    try {
      return send(200, { content: readFileSync(file, 'utf8') });
    } catch (error) {
      return send(404, { error: (error as NodeJS.ErrnoException).code });
    }
  }
  if (request.method === 'POST' && path === '/write') {
    const file = new URL(request.url ?? '/', 'http://x').searchParams.get('path') ?? '';
    try {
      writeFileSync(file, 'written by testapp\n');
      return send(200, { written: file });
    } catch (error) {
      return send(200, { error: (error as NodeJS.ErrnoException).code });
    }
  }
  if (request.method === 'GET' && path === '/kube-check') {
    kubeCheck().then(
      (result) => send(200, result),
      (error: unknown) => send(500, { error: error instanceof Error ? error.message : String(error) }),
    );
    return;
  }
  if (request.method === 'GET' && path === '/fetch') {
    // A client inside the pod's network: GET the url and report what came back (Services, other pods).
    const url = new URL(request.url ?? '/', 'http://x').searchParams.get('url') ?? '';
    fetch(url, { signal: AbortSignal.timeout(5000) })
      .then(async (answer) => send(200, { status: answer.status, body: await answer.text() }))
      .catch((error: unknown) => send(502, { error: describeFetchError(error) }));
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
