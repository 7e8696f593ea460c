// `modelship-operator metrics-adapter [flags]`: the custom.metrics.k8s.io adapter (ADR 0009), shipped in
// the operator's image and started by the chart's metricsAdapter Deployment with this first argument.
import { readFileSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { Command } from 'commander';
import { positiveInt } from '../config.ts';
import { KubeClient } from '../kube/client.ts';
import { createLogger } from '../log.ts';
import { packageVersion } from '../version.ts';
import { PodMetrics, SERVED_METRICS } from './pod-metrics.ts';
import { startAdapterServer } from './server.ts';

export interface AdapterConfig {
  kubeconfig?: string;
  bindAddress: string;
  securePort: number;
  tlsCertFile: string;
  tlsPrivateKeyFile: string;
  scrapeTimeoutMs: number;
  cacheMs: number;
  logLevel: string;
}

export function parseAdapterConfig(argv: string[]): AdapterConfig {
  const cmd = new Command('modelship-operator metrics-adapter')
    .description('Serves the runtime pods\' in-flight requests and queue depth as custom.metrics.k8s.io for HorizontalPodAutoscalers')
    .exitOverride()
    .option('--kubeconfig <path>', 'kubeconfig file; default: $KUBECONFIG, ~/.kube/config, or in-cluster')
    .option('--bind-address <host>', 'address to listen on', '0.0.0.0')
    .option('--secure-port <port>', 'HTTPS port', positiveInt, 6443)
    .requiredOption('--tls-cert-file <path>', 'serving certificate (PEM), the one the APIService\'s caBundle vouches for')
    .requiredOption('--tls-private-key-file <path>', 'its private key (PEM)')
    .option('--scrape-timeout-ms <ms>', 'how long one pod\'s /metrics may take', positiveInt, 1000)
    .option('--cache-ms <ms>', 'how long one scrape of a pod is reused', positiveInt, 2000)
    .option('--log-level <level>', 'trace, debug, info, warn or error', 'info');
  cmd.parse(argv, { from: 'user' });
  return cmd.opts<AdapterConfig>();
}

export async function runMetricsAdapter(argv: string[]): Promise<void> {
  const config = parseAdapterConfig(argv);
  const log = createLogger(config.logLevel);
  const kc = new KubeConfig();
  if (config.kubeconfig) kc.loadFromFile(config.kubeconfig);
  else kc.loadFromDefault();
  const client = new KubeClient(kc, `modelship-metrics-adapter/${packageVersion()}`);
  const source = new PodMetrics(client, { scrapeTimeoutMs: config.scrapeTimeoutMs, cacheMs: config.cacheMs });
  const server = await startAdapterServer(
    { client, log, source, metrics: SERVED_METRICS, certPem: readFileSync(config.tlsCertFile, 'utf8'), keyPem: readFileSync(config.tlsPrivateKeyFile, 'utf8') },
    config.bindAddress,
    config.securePort,
  );
  log.info({ version: packageVersion(), port: config.securePort, metrics: SERVED_METRICS }, 'metrics adapter serving custom.metrics.k8s.io');
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      log.info({ signal }, 'shutting down');
      server.close(() => process.exit(0));
      setTimeout(() => process.exit(0), 5000).unref();
    });
  }
}
