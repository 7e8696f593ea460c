import type { Server } from 'node:http';
import type { Logger } from '../log.ts';
import type { GrpcListener } from '../grpc/grpc-server.ts';
import type { ServedModel } from '../model/served-model.ts';
import type { InflightRequests } from './context.ts';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A request whose body is still arriving when the signal comes gets this long to finish sending it. Clients
 * send a body right after its headers; one still trickling in after seconds is a slow or hostile peer, and
 * must not hold the whole drain (and make Kubernetes kill the pod mid-drain).
 */
const RECEIVING_GRACE_MS = 2000;

export interface ShutdownParts {
  server: Server;
  grpc: GrpcListener | undefined;
  model: ServedModel;
  inflight: InflightRequests;
  log: Logger;
  drainTimeoutMs: number;
}

/**
 * On SIGTERM (and SIGINT): report not ready, stop accepting connections, close idle keep-alive connections,
 * let every request already received finish, then exit 0. Requests still arriving on open keep-alive
 * connections are served too: they were sent before the endpoint left rotation. Bodies still arriving get a
 * short grace (RECEIVING_GRACE_MS), then their connections are closed.
 */
export function installGracefulShutdown(parts: ShutdownParts): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    void shutDown(parts, signal).then(
      (code) => process.exit(code),
      (error: unknown) => {
        parts.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

async function shutDown({ server, grpc, model, inflight, log, drainTimeoutMs }: ShutdownParts, signal: NodeJS.Signals): Promise<number> {
  log.info({ signal, inflight: inflight.count, queued: model.queueDepth }, 'shutting down: draining in-flight requests');
  model.beginStopping();
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  grpc?.stopAccepting();
  const deadline = Date.now() + drainTimeoutMs;
  const receivingDeadline = Date.now() + Math.min(RECEIVING_GRACE_MS, drainTimeoutMs);
  while (inflight.count > 0 && Date.now() < deadline) {
    // Connections that finished their last request while draining have nothing more to wait for.
    server.closeIdleConnections();
    if (inflight.receiving.size > 0 && Date.now() >= receivingDeadline) dropSlowSenders(inflight, log);
    await sleep(10);
  }
  const drained = await model.drain(Math.max(0, deadline - Date.now()));
  if (inflight.count > 0 || !drained) log.warn({ inflight: inflight.count }, 'drain timeout passed; dropping what is left');
  await grpc?.close(Math.max(0, deadline - Date.now()));
  server.closeAllConnections();
  await closed;
  await model.close();
  log.info('stopped');
  return 0;
}

function dropSlowSenders(inflight: InflightRequests, log: Logger): void {
  log.warn({ requests: inflight.receiving.size }, 'closing connections still sending their request body');
  for (const req of inflight.receiving) req.socket.destroy();
  inflight.receiving.clear();
}
