// The parts of the kubelet API (port 10250 on a node) that `kubectl logs` and `kubectl port-forward` need
// (port-forward and exec: streaming/upgrade.ts). For logs: the API server proxies
// GET /api/v1/namespaces/{ns}/pods/{pod}/log to GET /containerLogs/{ns}/{pod}/{container} on the node's
// InternalIP and daemonEndpoints port, over TLS, authenticating with its kubelet client certificate.
// Only that identity is served (a real kubelet asks the API server with a SubjectAccessReview; the API
// server's own name is all that ever calls here), and metrics-server's, for GET /metrics/resource only (the
// nodes/metrics subresource its ClusterRole grants; resource-metrics.ts renders the body).
import { closeSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { createServer } from 'node:https';
import type { Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { join } from 'node:path';
import { delay } from '../lib/wait.ts';
import { serveUpgrade, statusResponse } from './streaming/upgrade.ts';
import type { StreamingPodSource } from './streaming/upgrade.ts';
import { RESOURCE_METRICS_CONTENT_TYPE } from './resource-metrics.ts';
import { USERS } from '../pki/cluster-pki.ts';

/** The common name of the API server's kubelet client certificate (pki/cluster-pki.ts). */
export const APISERVER_KUBELET_CLIENT = 'kube-apiserver-kubelet-client';
/** The common name of metrics-server's kubelet client certificate (pki/cluster-pki.ts). */
export const METRICS_SERVER_KUBELET_CLIENT = USERS.metricsServer.commonName;

export interface ContainerLogSource {
  /** The pod's directory, where logs/<container>/<restart>.log live, or undefined for an unknown pod. */
  podDirectory(namespace: string, pod: string): string | undefined;
  /** Container names of the pod (init containers included), or undefined for an unknown pod. */
  containerNames(namespace: string, pod: string): string[] | undefined;
  /** Whether the container's run `restart` is still going (its log may still grow). */
  isRunning(namespace: string, pod: string, container: string, restart: number): boolean;
}

export interface KubeletServerOptions {
  port: number;
  address: string;
  certificatePem: string;
  privateKeyPem: string;
  clientCaPem: string;
  logs: ContainerLogSource;
  /** Pods for port-forward; without it every streaming request is answered 404. */
  pods?: StreamingPodSource;
  /** The node's /metrics/resource text (resource-metrics.ts); without it that path is answered 404. */
  resourceMetrics?: () => string;
}

export async function startKubeletServer(options: KubeletServerOptions): Promise<Server> {
  const server = createServer(
    { cert: options.certificatePem, key: options.privateKeyPem, ca: options.clientCaPem, requestCert: true, rejectUnauthorized: true },
    (request, response) => {
      handle(request, response, options).catch((error: unknown) => {
        if (!response.headersSent) sendError(response, 500, error instanceof Error ? error.message : String(error));
        else response.destroy();
      });
    },
  );
  // Upgraded connections leave the server's books: they are ended with it, or a forward would outlive the kubelet.
  const upgraded = new Set<TLSSocket>();
  server.once('close', () => upgraded.forEach((socket) => socket.destroy()));
  server.on('upgrade', (request: IncomingMessage, socket: TLSSocket, head: Buffer) => {
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
    const caller = peerName(socket);
    if (caller !== APISERVER_KUBELET_CLIENT) return void socket.end(statusResponse(403, 'Forbidden', forbidden(caller)));
    serveUpgrade(request, socket, head, options.pods ?? { streamingPod: () => undefined });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.address, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

function sendError(response: ServerResponse, status: number, message: string): void {
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  response.end(message);
}

function peerName(socket: TLSSocket): string | undefined {
  const name = socket.getPeerCertificate()?.subject?.CN;
  return typeof name === 'string' ? name : undefined;
}

function forbidden(caller: string | undefined, subresource = 'proxy'): string {
  return `Forbidden (user=${caller ?? 'anonymous'}, verb=get, resource=nodes, subresource=${subresource})`;
}

async function handle(request: IncomingMessage, response: ServerResponse, options: KubeletServerOptions): Promise<void> {
  const caller = peerName(request.socket as TLSSocket);
  const url = new URL(request.url ?? '/', 'https://kubelet');
  if (url.pathname === '/metrics/resource' && request.method === 'GET' && options.resourceMetrics) {
    if (caller !== APISERVER_KUBELET_CLIENT && caller !== METRICS_SERVER_KUBELET_CLIENT) return sendError(response, 403, forbidden(caller, 'metrics'));
    response.writeHead(200, { 'content-type': RESOURCE_METRICS_CONTENT_TYPE });
    return void response.end(options.resourceMetrics());
  }
  if (caller !== APISERVER_KUBELET_CLIENT) return sendError(response, 403, forbidden(caller));
  const { logs } = options;
  if (url.pathname === '/healthz') return sendError(response, 200, 'ok');
  const match = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
  if (request.method !== 'GET' || !match) return sendError(response, 404, '404 page not found');
  const [namespace, pod, container] = match.slice(1).map(decodeURIComponent) as [string, string, string];
  await serveLog(response, logs, { namespace, pod, container }, url.searchParams);
}

interface LogTarget {
  namespace: string;
  pod: string;
  container: string;
}

/** Restart numbers that have a log file, oldest first. */
function logRuns(dir: string): number[] {
  try {
    return readdirSync(dir)
      .map((name) => /^(\d+)\.log$/.exec(name)?.[1])
      .filter((value): value is string => value !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
  } catch {
    return [];
  }
}

async function serveLog(response: ServerResponse, logs: ContainerLogSource, target: LogTarget, query: URLSearchParams): Promise<void> {
  const { namespace, pod, container } = target;
  const podDir = logs.podDirectory(namespace, pod);
  const names = logs.containerNames(namespace, pod);
  if (!podDir || !names) return sendError(response, 404, `pod ${namespace}/${pod} not found`);
  if (!names.includes(container)) return sendError(response, 400, `container ${container} is not valid for pod ${pod}`);
  const dir = join(podDir, 'logs', container);
  const runs = logRuns(dir);
  const previous = query.get('previous') === 'true';
  const run = previous ? runs.at(-2) : runs.at(-1);
  if (run === undefined) {
    if (previous) return sendError(response, 400, `previous terminated container "${container}" in pod "${pod}" not found`);
    return sendError(response, 400, `container "${container}" in pod "${pod}" is waiting to start: ContainerCreating`);
  }
  const path = join(dir, `${run}.log`);
  const tailLines = query.has('tailLines') ? Number(query.get('tailLines')) : undefined;
  const limitBytes = query.has('limitBytes') ? Number(query.get('limitBytes')) : undefined;
  response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
  let offset = startOffset(path, tailLines);
  let sent = 0;
  const send = (): boolean => {
    const chunk = readFrom(path, offset);
    offset += chunk.length;
    const allowed = limitBytes === undefined ? chunk : chunk.subarray(0, Math.max(0, limitBytes - sent));
    if (allowed.length > 0) response.write(allowed);
    sent += allowed.length;
    return limitBytes === undefined || sent < limitBytes;
  };
  let more = send();
  if (query.get('follow') === 'true' && !previous) {
    let closed = false;
    response.on('close', () => (closed = true));
    while (more && !closed && logs.isRunning(namespace, pod, container, run)) {
      await delay(200);
      more = send();
    }
    if (more && !closed) send();
  }
  response.end();
}

function readFrom(path: string, offset: number): Buffer {
  const size = statSync(path).size;
  if (size <= offset) return Buffer.alloc(0);
  const buffer = Buffer.alloc(size - offset);
  const fd = openSync(path, 'r');
  try {
    const read = readSync(fd, buffer, 0, buffer.length, offset);
    return buffer.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}

/** Where to start so that only the last `tailLines` lines are sent (the whole file when unset). */
function startOffset(path: string, tailLines: number | undefined): number {
  if (tailLines === undefined || !Number.isFinite(tailLines) || tailLines < 0) return 0;
  const content = readFrom(path, 0);
  let end = content.length;
  if (end > 0 && content[end - 1] === 0x0a) end--;
  let lines = 0;
  for (let index = end - 1; index >= 0; index--) {
    if (content[index] === 0x0a && ++lines === tailLines) return index + 1;
  }
  return tailLines === 0 ? content.length : 0;
}
