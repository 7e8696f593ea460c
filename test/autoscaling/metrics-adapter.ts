// The chart's custom-metrics adapter on a proving-ground cluster: the chart's metrics-adapter template
// rendered by the real helm (`helm template --show-only`, values metricsAdapter.enabled) and applied with
// kubectl, so the cluster gets exactly the objects a user's `helm install` makes (the suite's operator is
// the usual host process, as in every other suite). Waits until the APIService is Available: the adapter's
// pod Ready, in its Service's EndpointSlice, and answering the aggregator's discovery call.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Cluster } from '../../proving-ground/cluster.ts';
import { pollUntil } from '../../proving-ground/lib/wait.ts';
import { createNamespace, kubectl } from '../../proving-ground/test-cluster.ts';
import { chartDir, helm, valuesFile } from '../chart/helm.ts';

export const ADAPTER_NAMESPACE = 'modelship-system';
export const ADAPTER_RELEASE = 'modelship';
export const ADAPTER_NAME = `${ADAPTER_RELEASE}-metrics-adapter`;
export const CUSTOM_METRICS_API_SERVICE = 'v1beta2.custom.metrics.k8s.io';

export interface RunningAdapter {
  stop(): Promise<void>;
  logTail(lines?: number): Promise<string>;
}

export async function installMetricsAdapter(cluster: Cluster): Promise<RunningAdapter> {
  await createNamespace(cluster, ADAPTER_NAMESPACE); // enforces Pod Security restricted, as the chart's own suites do
  const values = await valuesFile({ metricsAdapter: { enabled: true }, logLevel: 'debug' });
  const rendered = await helm(['template', ADAPTER_RELEASE, chartDir, '--namespace', ADAPTER_NAMESPACE, '-f', values, '--show-only', 'templates/metrics-adapter.yaml']);
  if (rendered.code !== 0) throw new Error(`helm template failed: ${rendered.stderr}`);
  const manifest = join(cluster.dir, 'metrics-adapter.yaml');
  writeFileSync(manifest, rendered.stdout, { mode: 0o600 });
  await kubectl(cluster, 'apply', '-f', manifest);
  const running: RunningAdapter = {
    stop: async () => {
      await kubectl(cluster, 'delete', 'apiservice', CUSTOM_METRICS_API_SERVICE, '--ignore-not-found', '--wait=false');
      await kubectl(cluster, 'delete', '-n', ADAPTER_NAMESPACE, `deployment/${ADAPTER_NAME}`, '--ignore-not-found', '--wait=false');
    },
    logTail: (lines = 30) =>
      kubectl(cluster, 'logs', '-n', ADAPTER_NAMESPACE, `deployment/${ADAPTER_NAME}`, `--tail=${lines}`).then(
        (text) => text.trim(),
        (error: unknown) => `(no log: ${String(error)})`,
      ),
  };
  const condition = 'jsonpath={.status.conditions[?(@.type=="Available")]}';
  let last = '';
  await pollUntil(
    async () => {
      last = await kubectl(cluster, 'get', 'apiservice', CUSTOM_METRICS_API_SERVICE, '-o', condition);
      return last.includes('"status":"True"');
    },
    {
      description: `${CUSTOM_METRICS_API_SERVICE} to be Available`,
      timeoutMs: 120_000,
      intervalMs: 1000,
      diagnose: async () => `${last}\n${await kubectl(cluster, 'get', 'pods', '-n', ADAPTER_NAMESPACE, '-o', 'wide').catch(String)}\n${await running.logTail(15)}`,
    },
  );
  return running;
}
