// metrics-server in a proving-ground cluster, installed as the upstream manifest installs it: its RBAC, a
// Deployment in kube-system running the image `npm run images` built (ghcr.io/modelship/metrics-server), a
// Service selecting its pod, and the v1beta1.metrics.k8s.io APIService. The pod runs on the host's network
// (objects.ts says why); the API server reaches it through the Service's EndpointSlice, which the
// endpointslice controller fills from the pod's IP (--enable-aggregator-routing, components/kube-apiserver.ts).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Cluster } from '../cluster.ts';
import { renderKubeconfig } from '../kubeconfig.ts';
import { freePort } from '../lib/ports.ts';
import { pollUntil } from '../lib/wait.ts';
import { kubectl } from '../test-cluster.ts';
import { METRICS_SERVER_NAME, METRICS_SERVER_NAMESPACE, metricsServerObjects } from './objects.ts';

export const METRICS_API_SERVICE = 'v1beta1.metrics.k8s.io';

export interface RunningMetricsServer {
  /** Removes the APIService and the Deployment (the cluster's teardown would stop the pod anyway). */
  stop(): Promise<void>;
  /** The last lines of the pod's log (kubectl logs), or why there are none. */
  logTail(lines?: number): Promise<string>;
}

export interface MetricsServerOptions {
  /** How often it scrapes the kubelets (--metric-resolution); the upstream manifest's 15s by default. */
  resolutionSeconds?: number;
}

/** The Secret's files, from the cluster PKI: the kubeconfig embeds the client certificate it also uses towards the kubelets. */
function secretData(cluster: Cluster): Record<string, string> {
  const pki = (name: string): string => readFileSync(join(cluster.layout.pkiDir, name), 'utf8');
  const kubeconfig = renderKubeconfig({
    server: cluster.server,
    certificateAuthorityPem: pki('ca.crt'),
    credentials: { clientCertificatePem: pki('metrics-server.crt'), clientKeyPem: pki('metrics-server.key') },
    name: 'metrics-server',
  });
  const files: Record<string, string> = {
    kubeconfig,
    'ca.crt': pki('ca.crt'),
    'client.crt': pki('metrics-server.crt'),
    'client.key': pki('metrics-server.key'),
    'serving.crt': pki('metrics-server-serving.crt'),
    'serving.key': pki('metrics-server-serving.key'),
  };
  return Object.fromEntries(Object.entries(files).map(([name, text]) => [name, Buffer.from(text).toString('base64')]));
}

/** Installs metrics-server and waits until its pod is Ready and the APIService Available. */
export async function startMetricsServer(cluster: Cluster, options: MetricsServerOptions = {}): Promise<RunningMetricsServer> {
  // hostNetwork: the port must be free on the host, where every parallel cluster's pods of this kind listen.
  const port = await freePort(new URL(cluster.server).hostname);
  const caBundle = readFileSync(join(cluster.layout.pkiDir, 'ca.crt')).toString('base64');
  const objects = metricsServerObjects({ port, caBundle, resolutionSeconds: options.resolutionSeconds ?? 15, secretData: secretData(cluster) });
  const manifest = join(cluster.dir, 'metrics-server.json');
  writeFileSync(manifest, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }), { mode: 0o600 });
  await kubectl(cluster, 'apply', '-f', manifest);
  const deployment = `deployment/${METRICS_SERVER_NAME}`;
  const running: RunningMetricsServer = {
    stop: async () => {
      await kubectl(cluster, 'delete', 'apiservice', METRICS_API_SERVICE, '--ignore-not-found', '--wait=false');
      await kubectl(cluster, 'delete', '-n', METRICS_SERVER_NAMESPACE, deployment, '--ignore-not-found', '--wait=false');
    },
    logTail: (lines = 30) =>
      kubectl(cluster, 'logs', '-n', METRICS_SERVER_NAMESPACE, deployment, `--tail=${lines}`).then(
        (text) => text.trim(),
        (error: unknown) => `(no log: ${String(error)})`,
      ),
  };
  try {
    // Available once the pod is Ready (its first scrape stored), in the EndpointSlice, and answers discovery.
    const condition = `jsonpath={.status.conditions[?(@.type=="Available")].status}`;
    await pollUntil(async () => (await kubectl(cluster, 'get', 'apiservice', METRICS_API_SERVICE, '-o', condition)).trim() === 'True', {
      description: `${METRICS_API_SERVICE} to be Available`,
      timeoutMs: 180_000,
      intervalMs: 2000,
    });
  } catch (error) {
    const pods = await kubectl(cluster, 'get', 'pods', '-n', METRICS_SERVER_NAMESPACE, '-l', `k8s-app=${METRICS_SERVER_NAME}`, '-o', 'wide').catch(() => '');
    throw new Error(`metrics-server did not become Ready and ${METRICS_API_SERVICE} Available: ${String(error)}\n${pods}\n${await running.logTail(15)}`);
  }
  return running;
}
