// Shared pieces of the operator's proving-ground tests: install the CRDs, run
// the operator as a child process (so a test can SIGKILL it), read what it
// wrote from the API server's audit log, and wait for the cluster to agree.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { REPO_ROOT } from '../../proving-ground/cluster.ts';
import type { Cluster } from '../../proving-ground/cluster.ts';
import { freePort } from '../../proving-ground/lib/ports.ts';
import { pollUntil } from '../../proving-ground/lib/wait.ts';
import { kubectl } from '../../proving-ground/test-cluster.ts';
import { KubeClient } from '../../src/kube/client.ts';
import { CRD_NAME } from '../../src/api/constants.ts';
import { SIMULATED_REGISTRY } from '../../proving-ground/images/store.ts';
import type { ModelDeployment, ModelDeploymentSpec } from '../../src/api/types.ts';

/** An image under the proving ground's simulated registry: its pods are reported Ready without running, as kwok does. */
export const FAKE_RUNTIME_IMAGE = `${SIMULATED_REGISTRY}/modelship/runtime:1`;
/** What the operator sends as User-Agent; audit entries carry it. */
export const OPERATOR_USER_AGENT = 'modelship-operator/';

export function adminClient(cluster: Cluster): KubeClient {
  return new KubeClient(cluster.kubeConfig, 'modelship-tests');
}

/** `kubectl apply` of the generated CRDs in crds/, then waits until the API serves ModelDeployments. */
export async function installCrds(cluster: Cluster): Promise<void> {
  await kubectl(cluster, 'apply', '--server-side', '-f', join(REPO_ROOT, 'crds'));
  // Polled rather than `kubectl wait`, which can give up on a CRD that has no conditions yet.
  await pollUntil(
    () =>
      kubectl(cluster, 'get', `crd/${CRD_NAME}`, '-o', 'jsonpath={.status.conditions[?(@.type=="Established")].status}').then(
        (out) => String(out).trim() === 'True',
      ),
    { description: `crd/${CRD_NAME} to be Established`, timeoutMs: 60_000 },
  );
  await pollUntil(() => kubectl(cluster, 'get', 'modeldeployments', '-A').then(() => true), {
    description: 'ModelDeployments to be served',
    timeoutMs: 30_000,
  });
}

/** Writes a ModelDeployment manifest to a file and `kubectl apply`s it, as a person would. */
export async function applyModelDeployment(cluster: Cluster, name: string, namespace: string, spec: ModelDeploymentSpec): Promise<void> {
  const md = { apiVersion: 'modelship.io/v1alpha1', kind: 'ModelDeployment', metadata: { name, namespace }, spec };
  const file = join(cluster.dir, `md-${namespace}-${name}-${Date.now()}.yaml`);
  writeFileSync(file, dump(md));
  await kubectl(cluster, 'apply', '-f', file);
}

export interface OperatorOptions {
  args?: string[];
  /** Names the log file. */
  name?: string;
  /** Another kubeconfig than the admin one (e.g. through a proxy). */
  kubeconfig?: string;
  /** The program to run: src/main.ts by default; bench:operator runs the image's bundle (build/bundle.ts). */
  entry?: string;
  /** Node's own flags, before the program (the image's ENTRYPOINT flags, for bench:operator). */
  nodeFlags?: string[];
  /** Added to this process's environment (the image's ENV, for bench:operator). */
  env?: Record<string, string>;
}

/** The operator as a host process (`node src/main.ts`): these suites test its behaviour, not its image (the chart suite and the demo run the image). */
export class OperatorProcess {
  readonly child: ChildProcess;
  readonly logPath: string;
  readonly metricsUrl: string;
  readonly probesUrl: string;
  readonly exited: Promise<number | null>;

  private constructor(child: ChildProcess, logPath: string, metricsPort: number, probePort: number) {
    this.child = child;
    this.logPath = logPath;
    this.metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    this.probesUrl = `http://127.0.0.1:${probePort}`;
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  static async start(cluster: Cluster, opts: OperatorOptions = {}): Promise<OperatorProcess> {
    const [metricsPort, probePort] = [await freePort(), await freePort()];
    const logPath = join(cluster.layout.logsDir, `operator-${opts.name ?? 'main'}-${Date.now()}.log`);
    const fd = openSync(logPath, 'a');
    const child = spawn(
      process.execPath,
      [
        ...(opts.nodeFlags ?? []),
        opts.entry ?? join(REPO_ROOT, 'src', 'main.ts'),
        `--kubeconfig=${opts.kubeconfig ?? cluster.kubeconfigPath}`,
        `--metrics-bind-address=127.0.0.1:${metricsPort}`,
        `--health-probe-bind-address=127.0.0.1:${probePort}`,
        `--runtime-image=${FAKE_RUNTIME_IMAGE}`,
        ...(opts.args ?? []),
      ],
      { cwd: REPO_ROOT, stdio: ['ignore', fd, fd], env: { ...process.env, ...opts.env } },
    );
    closeSync(fd);
    const op = new OperatorProcess(child, logPath, metricsPort, probePort);
    await pollUntil(async () => (await fetch(`${op.probesUrl}/healthz`)).ok, {
      description: 'the operator to answer /healthz',
      timeoutMs: 30_000,
      diagnose: () => op.logTail(),
    });
    return op;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  async ready(): Promise<boolean> {
    return (await fetch(`${this.probesUrl}/readyz`).catch(() => undefined))?.ok ?? false;
  }

  async metrics(): Promise<string> {
    return (await fetch(this.metricsUrl)).text();
  }

  /** One sample of a metric, by name and a label substring. */
  async metric(name: string, labels = ''): Promise<number | undefined> {
    const line = (await this.metrics()).split('\n').find((l) => l.startsWith(name) && !l.startsWith(`${name}_`) && l.includes(labels));
    return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
  }

  /** SIGTERM and wait: the clean handover path. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    return this.exited;
  }

  /** SIGKILL: the operator dies wherever it was, mid-reconcile or not. */
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }

  logTail(lines = 30): string {
    try {
      return readFileSync(this.logPath, 'utf8').trim().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no operator log)';
    }
  }
}

export interface AuditEvent {
  verb: string;
  userAgent?: string;
  requestReceivedTimestamp: string;
  objectRef?: { resource?: string; namespace?: string; name?: string; apiGroup?: string; subresource?: string };
  responseStatus?: { code?: number };
}

/** Writes the operator made since `since`, from the audit log (which records writes only). */
export function operatorWrites(cluster: Cluster, since: Date, filter: (e: AuditEvent) => boolean = () => true): AuditEvent[] {
  const text = readFileSync(cluster.auditLogPath, 'utf8');
  const out: AuditEvent[] = [];
  for (const line of text.split('\n')) {
    if (!line.includes(OPERATOR_USER_AGENT)) continue;
    const e = JSON.parse(line) as AuditEvent & { stage?: string };
    if (e.stage !== 'ResponseComplete') continue;
    if (new Date(e.requestReceivedTimestamp) < since) continue;
    if (filter(e)) out.push(e);
  }
  return out;
}

/** Waits until `check` returns a value, quoting the operator's log when it never does. */
export function eventually<T>(
  description: string,
  check: () => Promise<T | undefined | false>,
  op?: OperatorProcess,
  timeoutMs = 60_000,
): Promise<T> {
  return pollUntil(check, { description, timeoutMs, intervalMs: 250, ...(op ? { diagnose: () => `operator log:\n${op.logTail()}` } : {}) });
}

export async function getMd(client: KubeClient, namespace: string, name: string): Promise<ModelDeployment> {
  return client.get<ModelDeployment>(`/apis/modelship.io/v1alpha1/namespaces/${namespace}/modeldeployments/${name}`);
}

export function condition(md: ModelDeployment, type: string): string | undefined {
  return md.status?.conditions?.find((c) => c.type === type)?.status;
}
