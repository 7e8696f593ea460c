import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import type { ApiClient } from '../api/api-client.ts';
import { isNotFound } from '../api/api-client.ts';
import { renderKubeconfig } from '../kubeconfig.ts';
import { describeError, delay } from '../lib/wait.ts';
import type { BackoffPolicy } from './backoff.ts';
import { ContainerRunner, StartFailure } from './container-runner.ts';
import type { Launch, RestartPolicy, RunOutcome, RunnerHost } from './container-runner.ts';
import { ContainerConfigError, resolveContainerEnv } from './env.ts';
import { expandVariables } from './expand.ts';
import { planImage } from './images.ts';
import { MountTable } from './mount-paths.ts';
import type { PodIpAllocator } from './pod-ips.ts';
import { buildPodStatus, ConditionClock } from './pod-status.ts';
import type { PodPhase } from './status-types.ts';
import { kubeTime } from './status-types.ts';
import { PodStatusWriter } from './status-writer.ts';
import { prepareVolumes, VolumeSetupError } from './volumes.ts';
import type { PreparedVolumes, VolumeServices } from './volumes.ts';

/** Where the ServiceAccount admission plugin mounts the API credentials. */
const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface PodWorkerDeps {
  api: ApiClient;
  ips: PodIpAllocator;
  podsDir: string;
  repoRoot: string;
  apiServerUrl: string;
  certificateAuthorityPem: string;
  hostIP: string;
  backoff: BackoffPolicy;
  volumeServices: VolumeServices;
  nodeAllocatable(nodeName: string): { cpu: string; memory: string };
  trackProcessGroup(processGroup: number, running: boolean): void;
  log(message: string): void;
  /** The worker has nothing left to do; the kubelet forgets it. */
  finished(uid: string): void;
}

/**
 * Everything the kubelet does for one pod: sandbox (pod IP and directory),
 * volumes, init containers in order, main containers, status, and graceful
 * deletion.
 */
export class PodWorker {
  pod: V1Pod;
  private readonly deps: PodWorkerDeps;
  private readonly uid: string;
  private readonly namespace: string;
  private readonly name: string;
  readonly podDir: string;
  private readonly writer: PodStatusWriter;
  private readonly clock = new ConditionClock();
  private readonly initRunners: ContainerRunner[];
  private readonly sidecars = new Set<ContainerRunner>();
  private readonly mainRunners: ContainerRunner[];
  private podIP: string | undefined;
  private ownsIP = false;
  private startTime = kubeTime();
  private sandboxReady = false;
  private initialized = false;
  private terminalPhase: PodPhase | undefined;
  private volumes: PreparedVolumes | undefined;
  private tokenRefresh: NodeJS.Timeout | undefined;
  private terminating: Promise<void> | undefined;
  private shutDown = false;
  private started = false;

  constructor(deps: PodWorkerDeps, pod: V1Pod) {
    this.deps = deps;
    this.pod = pod;
    this.uid = pod.metadata?.uid ?? '';
    this.namespace = pod.metadata?.namespace ?? 'default';
    this.name = pod.metadata?.name ?? '';
    this.podDir = join(deps.podsDir, `${this.namespace}_${this.name}_${this.uid}`);
    this.writer = new PodStatusWriter(deps.api, this.namespace, this.name, this.uid, deps.log);

    const podPolicy = (pod.spec?.restartPolicy ?? 'Always') as RestartPolicy;
    const host = this.runnerHost();
    const hasInit = (pod.spec?.initContainers ?? []).length > 0;
    this.initRunners = (pod.spec?.initContainers ?? []).map((container) => {
      if (container.restartPolicy === 'Always') {
        // A native sidecar: started in init order, then runs (and restarts) alongside the main containers.
        const sidecar = new ContainerRunner(host, container, { restartPolicy: 'Always', isInit: false, waitingReason: 'PodInitializing' });
        this.sidecars.add(sidecar);
        return sidecar;
      }
      return new ContainerRunner(host, container, {
        // Init containers must succeed once: retried on failure unless the pod never restarts.
        restartPolicy: podPolicy === 'Never' ? 'Never' : 'OnFailure',
        isInit: true,
        waitingReason: 'PodInitializing',
      });
    });
    this.mainRunners = (pod.spec?.containers ?? []).map(
      (container) =>
        new ContainerRunner(host, container, {
          restartPolicy: podPolicy,
          isInit: false,
          waitingReason: hasInit ? 'PodInitializing' : 'ContainerCreating',
        }),
    );
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    void this.run().catch((error: unknown) => this.deps.log(`pod ${this.label()}: ${describeError(error)}`));
  }

  /** A newer version of the pod from the watch. */
  update(pod: V1Pod): void {
    this.pod = pod;
    if (pod.metadata?.deletionTimestamp) {
      void this.terminate();
      return;
    }
    // Readiness gates are conditions others set; they can change our Ready.
    if (this.sandboxReady && (pod.spec?.readinessGates ?? []).length > 0) this.publish();
  }

  /** The pod is gone from the API (deleted with grace 0 by someone, or by us). */
  async vanished(): Promise<void> {
    this.writer.close();
    if (this.terminating) return this.terminating;
    await this.stopEverything(true);
    this.deps.finished(this.uid);
  }

  /** The kubelet stops (cluster going down): stop processes quickly, write nothing. */
  async shutdown(): Promise<void> {
    this.shutDown = true;
    this.writer.close();
    await this.stopEverything(true);
  }

  private label(): string {
    return `${this.name}_${this.namespace}(${this.uid})`;
  }

  private async run(): Promise<void> {
    if (this.pod.metadata?.deletionTimestamp) return this.terminate();
    mkdirSync(join(this.podDir, 'logs'), { recursive: true });
    if (this.pod.spec?.hostNetwork) this.podIP = this.deps.hostIP;
    else {
      this.podIP = this.deps.ips.allocate();
      this.ownsIP = true;
    }
    this.sandboxReady = true;
    this.publish();

    // Volumes: keep trying while something they need does not exist yet.
    while (!this.volumes && !this.isStopping()) {
      try {
        this.volumes = await prepareVolumes({
          pod: this.pod,
          podDir: this.podDir,
          podIP: this.podIP,
          hostIP: this.deps.hostIP,
          services: this.deps.volumeServices,
        });
      } catch (error) {
        if (!(error instanceof VolumeSetupError)) this.deps.log(`pod ${this.label()}: volume setup: ${describeError(error)}`);
        await delay(2000);
      }
    }
    if (this.isStopping()) return;
    this.scheduleTokenRefresh();

    for (const runner of this.initRunners) {
      if (this.sidecars.has(runner)) {
        void runner.run();
        await this.untilStarted(runner);
        if (this.isStopping()) return;
        continue;
      }
      const outcome = await runner.run();
      if (outcome === 'stopped' || this.isStopping()) return;
      if (outcome === 'failed') return this.finish('Failed');
    }
    this.initialized = true;
    this.publish();

    const outcomes = await Promise.all(this.mainRunners.map((runner) => runner.run()));
    if (this.isStopping()) return;
    // Sidecars end when the main containers have.
    const grace = this.pod.spec?.terminationGracePeriodSeconds ?? 30;
    await Promise.all([...this.sidecars].map((sidecar) => sidecar.stop(grace)));
    this.finish(allCompleted(outcomes) ? 'Succeeded' : 'Failed');
  }

  private async untilStarted(runner: ContainerRunner): Promise<void> {
    while (!runner.status.started && !this.isStopping()) await delay(100);
  }

  private isStopping(): boolean {
    return this.terminating !== undefined || this.shutDown;
  }

  /** The pod ran to its end (restartPolicy said no more restarts). */
  private finish(phase: PodPhase): void {
    this.terminalPhase = phase;
    this.publish();
    this.releaseSandbox();
  }

  /** Graceful deletion: preStop, SIGTERM, grace period, SIGKILL, then remove the pod from the API. */
  private terminate(): Promise<void> {
    this.terminating ??= (async () => {
      await this.stopEverything(false);
      if (!this.terminalPhase && this.sandboxReady) {
        const exitCodes = this.mainRunners.map((runner) => ('terminated' in runner.status.state ? runner.status.state.terminated.exitCode : 1));
        this.terminalPhase = exitCodes.every((code) => code === 0) ? 'Succeeded' : 'Failed';
        this.publish();
      }
      await this.writer.flush();
      this.writer.close();
      try {
        await this.deps.api.delete(`/api/v1/namespaces/${this.namespace}/pods/${this.name}`, {
          apiVersion: 'v1',
          kind: 'DeleteOptions',
          gracePeriodSeconds: 0,
          preconditions: { uid: this.uid },
        });
      } catch (error) {
        if (!isNotFound(error)) this.deps.log(`pod ${this.label()}: final delete failed: ${describeError(error)}`);
      }
      this.deps.finished(this.uid);
    })();
    return this.terminating;
  }

  private async stopEverything(immediately: boolean): Promise<void> {
    const grace =
      (this.pod.metadata?.deletionGracePeriodSeconds as number | undefined) ?? this.pod.spec?.terminationGracePeriodSeconds ?? 30;
    const runners = [...this.initRunners, ...this.mainRunners];
    await Promise.all(runners.map((runner) => (immediately ? runner.stopNow() : runner.stop(grace))));
    this.releaseSandbox();
  }

  private releaseSandbox(): void {
    if (this.tokenRefresh) clearInterval(this.tokenRefresh);
    this.tokenRefresh = undefined;
    if (this.ownsIP && this.podIP) this.deps.ips.release(this.podIP);
    this.ownsIP = false;
  }

  private publish(): void {
    if (this.shutDown || !this.sandboxReady) return;
    const containers = this.mainRunners.map((runner) => runner.status);
    const hasRun = containers.some((status) => 'running' in status.state || status.restartCount > 0 || 'terminated' in status.state);
    const phase: PodPhase = this.terminalPhase ?? (this.initialized && hasRun ? 'Running' : 'Pending');
    this.writer.set(
      buildPodStatus(
        {
          pod: this.pod,
          phase,
          hostIP: this.deps.hostIP,
          podIP: this.podIP,
          startTime: this.startTime,
          sandboxReady: this.sandboxReady,
          initialized: this.initialized,
          initContainers: this.initRunners.map((runner) => runner.status),
          containers,
          sidecars: [...this.sidecars].map((runner) => runner.status),
        },
        this.clock,
      ),
    );
  }

  /** Bound tokens are re-requested once 80% of their lifetime has passed, as the kubelet does. */
  private scheduleTokenRefresh(): void {
    const files = this.volumes?.tokenFiles ?? [];
    if (files.length === 0) return;
    this.tokenRefresh = setInterval(() => {
      for (const file of files) {
        const lifetime = Date.parse(file.expirationTimestamp) - file.issuedAt;
        if (Date.now() < file.issuedAt + 0.8 * lifetime) continue;
        this.deps.volumeServices
          .requestToken(file.spec)
          .then((issued) => {
            writeFileSync(file.path, issued.token, { mode: 0o600 });
            file.expirationTimestamp = issued.expirationTimestamp;
            file.issuedAt = Date.now();
          })
          .catch((error: unknown) => this.deps.log(`pod ${this.label()}: token refresh failed: ${describeError(error)}`));
      }
    }, 60_000);
    this.tokenRefresh.unref();
  }

  private runnerHost(): RunnerHost {
    const worker = this;
    return {
      get podIP() {
        return worker.podIP ?? worker.deps.hostIP;
      },
      podLabel: this.label(),
      backoff: this.deps.backoff,
      terminationGraceSeconds: () => this.pod.spec?.terminationGracePeriodSeconds ?? 30,
      prepare: (container) => this.prepareLaunch(container),
      logPath: (containerName, restartCount) => join(this.podDir, 'logs', containerName, `${restartCount}.log`),
      trackProcessGroup: (processGroup, running) => this.deps.trackProcessGroup(processGroup, running),
      changed: () => this.publish(),
      log: (message) => this.deps.log(message),
    };
  }

  private async prepareLaunch(container: V1Container): Promise<Launch> {
    const plan = planImage(container.image ?? '', this.deps.repoRoot);
    if (plan.kind === 'simulated') return { kind: 'simulated' };
    if (container.command && container.command.length > 0) {
      throw new StartFailure(
        `the local kubelet runs ${plan.repository} as "node ${plan.entry}" and cannot honour command ${JSON.stringify(container.command)}; set args only (ADR 0001)`,
      );
    }
    const podIP = this.podIP ?? this.deps.hostIP;
    const declared = await resolveContainerEnv({
      pod: this.pod,
      container,
      podIP,
      hostIP: this.deps.hostIP,
      nodeAllocatable: this.deps.nodeAllocatable(this.pod.spec?.nodeName ?? ''),
      objects: this.deps.volumeServices.objects,
    });

    const mounts = new MountTable(
      (container.volumeMounts ?? []).map((mount) => {
        const hostPath = this.volumes?.hostPaths.get(mount.name);
        if (hostPath === undefined) throw new ContainerConfigError(`volumeMount ${mount.name} names no volume of the pod`);
        return { mountPath: mount.mountPath, hostPath: mount.subPath ? join(hostPath, mount.subPath) : hostPath };
      }),
      // The repository and the cluster's directory (which holds podsDir) are visible to pods at their host paths.
      [this.deps.repoRoot, dirname(this.deps.podsDir)],
    );

    const containerDir = join(this.podDir, 'containers', container.name);
    mkdirSync(containerDir, { recursive: true });
    const apiServer = new URL(this.deps.apiServerUrl);
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      HOME: containerDir,
      HOSTNAME: this.pod.spec?.hostname ?? this.name,
      // What in-cluster clients look for; here they lead to the real API server.
      KUBERNETES_SERVICE_HOST: apiServer.hostname,
      KUBERNETES_SERVICE_PORT: apiServer.port,
      KUBERNETES_SERVICE_PORT_HTTPS: apiServer.port,
    };
    const tokenFile = mounts.toHostPath(`${SERVICE_ACCOUNT_DIR}/token`);
    if (tokenFile && existsSync(tokenFile)) env.KUBECONFIG = this.writeServiceAccountKubeconfig(tokenFile);
    for (const [name, value] of declared) env[name] = mounts.rewrite(value);

    const args = (container.args ?? []).map((arg) => mounts.rewrite(expandVariables(arg, (name) => declared.get(name))));
    const workingDir = container.workingDir ? (mounts.toHostPath(container.workingDir) ?? this.deps.repoRoot) : this.deps.repoRoot;
    return {
      kind: 'process',
      entry: plan.entry,
      args,
      env,
      cwd: workingDir,
      // A Node option that does nothing (the file is never created) but puts
      // the pod's directory on the process's command line, so every process
      // of a cluster can be found by its directory (`pgrep -f <cluster dir>`)
      // and none can hide from cluster:down.
      nodeOptions: [`--env-file-if-exists=${join(containerDir, 'proving-ground.env')}`],
    };
  }

  /** The pod's credentials as a kubeconfig: server, cluster CA, and the projected token file. */
  private writeServiceAccountKubeconfig(tokenFile: string): string {
    const path = join(this.podDir, 'kubeconfig');
    if (!existsSync(path)) {
      writeFileSync(
        path,
        renderKubeconfig({
          server: this.deps.apiServerUrl,
          certificateAuthorityPem: this.deps.certificateAuthorityPem,
          credentials: { tokenFile },
          name: 'in-cluster',
          namespace: this.namespace,
        }),
        { mode: 0o600 },
      );
    }
    return path;
  }
}

function allCompleted(outcomes: RunOutcome[]): boolean {
  return outcomes.every((outcome) => outcome === 'completed');
}
