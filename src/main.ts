// The operator's entry point: `node src/main.ts [flags]` (from source) or `node dist/src/main.js` (image);
// `metrics-adapter [flags]` as the first argument starts the custom-metrics adapter instead.
import { KubeConfig } from '@kubernetes/client-node';
import { CommanderError } from 'commander';
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { parseConfig } from './config.ts';
import type { OperatorConfig } from './config.ts';
import { OperatorMetrics } from './manager/metrics.ts';
import { KubeClient } from './kube/client.ts';
import { LeaderElector } from './leader/election.ts';
import { leaseApi } from './leader/lease.ts';
import { createLogger } from './log.ts';
import { Operator } from './operator.ts';
import { closeServer, serveMetrics, serveProbes } from './server/http.ts';
import { packageVersion } from './version.ts';

/** A stuck reconcile must not keep a terminating pod past its grace period (30 s by default). */
const SHUTDOWN_TIMEOUT_MS = 20_000;

async function main(): Promise<void> {
  const config = parseConfig(process.argv.slice(2));
  const log = createLogger(config.logLevel);
  log.info({ version: packageVersion(), namespaces: config.namespaces.length ? config.namespaces : 'all', identity: config.identity }, 'starting');

  const kc = new KubeConfig();
  if (config.kubeconfig) kc.loadFromFile(config.kubeconfig);
  else kc.loadFromDefault();
  // The identity in the User-Agent tells replicas apart in the audit log.
  const client = new KubeClient(kc, `modelship-operator/${packageVersion()} (${config.identity})`);
  const metrics = new OperatorMetrics();
  const operator = new Operator({
    client,
    log,
    metrics,
    namespaces: config.namespaces,
    runtimeImage: config.runtimeImage,
    workers: config.maxConcurrentReconciles,
    resyncPeriodMs: config.resyncPeriodMs,
    identity: config.identity,
  });

  const stopping = stopOnSignals(log);
  const elector = config.leaderElect ? leaderElector(config, client, log, metrics) : undefined;

  const servers: Server[] = [];
  if (config.metricsBindAddress) servers.push(await serveMetrics(config.metricsBindAddress, metrics.registry));
  if (config.healthProbeBindAddress) {
    // A standby replica is ready: it is healthy and waiting for the lease. The
    // leader is ready once its caches are synced.
    const ready = () => (elector && !elector.isLeader) || operator.hasSynced() ? undefined : 'caches not synced';
    servers.push(await serveProbes(config.healthProbeBindAddress, ready));
  }

  let lost = false;
  if (!elector || (await elector.acquire(stopping.signal))) {
    await operator.start(stopping.signal);
    if (elector) lost = (await elector.holdUntilLost(stopping.signal)) === 'lost';
    else await new Promise((resolve) => stopping.signal.addEventListener('abort', resolve, { once: true }));
  }
  if (lost) {
    // Another replica may already be reconciling: stop at once rather than race it.
    process.exit(1);
  }

  await operator.stop();
  // Only after the last write: the next leader must not overlap with us.
  await elector?.release();
  await Promise.all(servers.map(closeServer));
  log.info('stopped');
  process.exit(0);
}

/** Aborts on SIGTERM or SIGINT, and exits if stopping then takes too long. */
function stopOnSignals(log: Logger): AbortController {
  const stopping = new AbortController();
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      log.info({ signal }, 'shutting down');
      stopping.abort();
      setTimeout(() => {
        log.error('shutdown took too long; exiting');
        process.exit(1);
      }, SHUTDOWN_TIMEOUT_MS).unref();
    });
  }
  return stopping;
}

function leaderElector(config: OperatorConfig, client: KubeClient, log: Logger, metrics: OperatorMetrics): LeaderElector {
  const elector = new LeaderElector({
    api: leaseApi(client, config.leaderElectionNamespace, config.leaderElectionId),
    identity: config.identity,
    log: log.child({ lease: `${config.leaderElectionNamespace}/${config.leaderElectionId}` }),
    onLeaderChange: (leading) => {
      metrics.leaderStatus.set({ name: config.leaderElectionId }, leading ? 1 : 0);
      log.info({ leading }, leading ? 'became the leader' : 'no longer the leader');
    },
  });
  metrics.leaderStatus.set({ name: config.leaderElectionId }, 0);
  return elector;
}

process.on('unhandledRejection', (err) => {
  console.error(JSON.stringify({ level: 'error', msg: 'unhandled rejection', err: String(err) }));
});

// The image's one entrypoint also starts the custom-metrics adapter (ADR 0009), chosen by its first argument;
// loaded only then, so the operator's start-up does not pay for it.
const runAdapter = async (): Promise<void> => (await import('./metrics-adapter/main.ts')).runMetricsAdapter(process.argv.slice(3));
const start = process.argv[2] === 'metrics-adapter' ? runAdapter : main;

start().catch((err: unknown) => {
  // --help, --version and bad flags: commander has already printed what to say.
  if (err instanceof CommanderError) process.exit(err.exitCode);
  console.error(JSON.stringify({ level: 'fatal', msg: 'operator failed', err: err instanceof Error ? err.stack : String(err) }));
  process.exit(1);
});
