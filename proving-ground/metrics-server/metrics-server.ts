// metrics-server against a proving-ground cluster, as the upstream manifest installs it (its RBAC, a
// kube-system Service, the v1beta1.metrics.k8s.io APIService), but as a process the cluster adopts, like
// Flux's controllers, not as a Pod: the nodes' InternalIP is 127.0.0.1 (every node's kubelet API listens on
// the host's loopback, node-object.ts), which a pod's own network namespace cannot reach.
//
// Its identities come from the cluster's PKI: a client certificate (user modelship:metrics-server) for the
// API server and for the kubelets' /metrics/resource, verified against the cluster CA (no
// --kubelet-insecure-tls), and a serving certificate for metrics-server.kube-system.svc that the APIService's
// caBundle vouches for. It listens on the host end of the cluster's link, the address the API server serves
// on, and the Service's Endpoints point there; the API server dials endpoints directly
// (--enable-aggregator-routing, components/kube-apiserver.ts).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Cluster } from '../cluster.ts';
import { renderKubeconfig } from '../kubeconfig.ts';
import { freePort } from '../lib/ports.ts';
import { spawnLogged, stopProcessGroup } from '../lib/processes.ts';
import type { ManagedProcess } from '../lib/processes.ts';
import { kubectl } from '../test-cluster.ts';
import { ensureMetricsServer } from './build-metrics-server.ts';
import { metricsServerObjects } from './objects.ts';

export const METRICS_API_SERVICE = 'v1beta1.metrics.k8s.io';

export interface RunningMetricsServer {
  readonly process: ManagedProcess;
  stop(): Promise<void>;
  logTail(lines?: number): string;
}

export interface MetricsServerOptions {
  /** How often it scrapes the kubelets (--metric-resolution); the upstream manifest's 15s by default. */
  resolutionSeconds?: number;
  onProgress?: (line: string) => void;
}

/** Installs metrics-server's RBAC, Service and APIService, starts it, and waits until the APIService is Available. */
export async function startMetricsServer(cluster: Cluster, options: MetricsServerOptions = {}): Promise<RunningMetricsServer> {
  const binary = await ensureMetricsServer(options.onProgress);
  const pki = (name: string): string => join(cluster.layout.pkiDir, name);
  const address = new URL(cluster.server).hostname;
  const port = await freePort(address);
  const kubeconfigPath = join(cluster.dir, 'metrics-server.kubeconfig');
  writeFileSync(
    kubeconfigPath,
    renderKubeconfig({
      server: cluster.server,
      certificateAuthorityPem: readFileSync(pki('ca.crt'), 'utf8'),
      credentials: { clientCertificatePem: readFileSync(pki('metrics-server.crt'), 'utf8'), clientKeyPem: readFileSync(pki('metrics-server.key'), 'utf8') },
      name: 'metrics-server',
    }),
    { mode: 0o600 },
  );
  const manifest = join(cluster.dir, 'metrics-server.json');
  const caBundle = readFileSync(pki('ca.crt')).toString('base64');
  writeFileSync(manifest, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: metricsServerObjects({ address, port, caBundle }) }));
  await kubectl(cluster, 'apply', '-f', manifest);

  const server = spawnLogged({
    name: 'metrics-server',
    command: binary,
    args: [
      `--bind-address=${address}`,
      `--secure-port=${port}`,
      `--tls-cert-file=${pki('metrics-server-serving.crt')}`,
      `--tls-private-key-file=${pki('metrics-server-serving.key')}`,
      `--kubeconfig=${kubeconfigPath}`,
      `--authentication-kubeconfig=${kubeconfigPath}`,
      `--authorization-kubeconfig=${kubeconfigPath}`,
      '--kubelet-preferred-address-types=InternalIP',
      '--kubelet-use-node-status-port',
      `--kubelet-certificate-authority=${pki('ca.crt')}`,
      `--kubelet-client-certificate=${pki('metrics-server.crt')}`,
      `--kubelet-client-key=${pki('metrics-server.key')}`,
      `--metric-resolution=${options.resolutionSeconds ?? 15}s`,
      // It must stay under 90% of the resolution (10s at the shortest); the kubelets are on this machine.
      '--kubelet-request-timeout=5s',
      '--v=2',
    ],
    logPath: join(cluster.layout.logsDir, 'metrics-server.log'),
    env: { ...process.env },
  });
  cluster.adopt(server);
  const running: RunningMetricsServer = {
    process: server,
    stop: async () => {
      await stopProcessGroup(server.pid, 10_000);
    },
    logTail: (lines = 30) => tail(server.logPath, lines),
  };
  try {
    await kubectl(cluster, 'wait', '--for=condition=Available', '--timeout=120s', `apiservice/${METRICS_API_SERVICE}`);
  } catch (error) {
    await running.stop();
    throw new Error(`${METRICS_API_SERVICE} did not become Available: ${String(error)}\nmetrics-server:\n${running.logTail(15)}`);
  }
  return running;
}

function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
