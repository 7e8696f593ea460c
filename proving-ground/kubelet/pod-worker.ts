import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import type { KubeClient } from '../../src/kube/client.ts';
import { isNotFound } from '../../src/kube/errors.ts';
import type { ImageStore } from '../images/store.ts';
import { describeError, delay } from '../lib/wait.ts';
import type { BackoffPolicy } from './backoff.ts';
import { ContainerRunner } from './container-runner.ts';
import type { Launch, RestartPolicy, RunOutcome, RunnerHost } from './container-runner.ts';
import { ContainerConfigError, resolveContainerEnv } from './env.ts';
import { containerArgv, containerEnv, effectiveSecurityContext, parseImageUser, resolveUser, verifyRunAsNonRoot } from './container-spec.ts';
import { managedHostsFile } from './etc-hosts.ts';
import { planImage } from './images.ts';
import { checkExecutable, containerInitPid, sandboxCommand, sandboxScript } from './sandbox.ts';
import type { SandboxMount } from './sandbox.ts';
import type { PodIpAllocator } from './pod-ips.ts';
import type { ClusterAddresses } from '../network/addresses.ts';
import { createPodNetns, removePodNetns } from '../network/pod-network.ts';
import { buildPodStatus, ConditionClock } from './pod-status.ts';
import type { PodPhase } from './status-types.ts';
import { kubeTime } from './status-types.ts';
import { PodStatusWriter } from './status-writer.ts';
import { prepareVolumes, VolumeSetupError } from './volumes.ts';
import type { PreparedVolumes, VolumeServices } from './volumes.ts';
import type { StreamingPod } from './streaming/upgrade.ts';

export interface PodWorkerDeps {
  api: KubeClient;
  ips: PodIpAllocator;
  network: ClusterAddresses;
  podsDir: string;
  images: ImageStore;
  apiServerUrl: string;
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
  /** The pod's network namespace (/run/netns/…); none for hostNetwork pods. */
  private netnsPath: string | undefined;
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

  /** Whether run `restart` of a container is the one running now (its log may still grow). */
  isRunning(containerName: string, restart: number): boolean {
    const runner = [...this.initRunners, ...this.mainRunners].find((candidate) => candidate.status.name === containerName);
    return runner !== undefined && runner.status.restartCount === restart && 'running' in runner.status.state;
  }

  /** The containers running now (init containers and sidecars included): their process groups and start times, for resource metrics. */
  runningContainers(): { name: string; processGroup: number; startedAt: string }[] {
    return [...this.initRunners, ...this.mainRunners].flatMap((runner) => {
      const processGroup = runner.runningPid;
      const startedAt = 'running' in runner.status.state ? runner.status.state.running.startedAt : undefined;
      return processGroup === undefined || startedAt === undefined ? [] : [{ name: runner.status.name, processGroup, startedAt }];
    });
  }

  /** Where port-forward connects: the pod's network, once it exists and until it is released. */
  streamingPod(): StreamingPod | undefined {
    if (!this.sandboxReady || this.isStopping()) return undefined;
    if (!this.pod.spec?.hostNetwork && !this.netnsPath) return undefined;
    const runners = [...this.initRunners, ...this.mainRunners];
    const containerPid = (name: string): number | undefined => {
      const pid = runners.find((runner) => runner.status.name === name)?.runningPid;
      return pid === undefined ? undefined : containerInitPid(pid);
    };
    return { uid: this.uid, netnsPath: this.netnsPath, containerPid };
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
    // A hostNetwork pod shares the host's addresses. It reports the host end of the cluster link, not the
    // loopback hostIP: the API server refuses loopback addresses in Endpoints and EndpointSlices, so a
    // Service selecting the pod (metrics-server's) could have no endpoints otherwise; and the host end is
    // the address pods and the API server reach the host on.
    if (this.pod.spec?.hostNetwork) this.podIP = this.deps.network.hostAddress;
    else {
      this.podIP = this.deps.ips.allocate();
      this.ownsIP = true;
      this.netnsPath = (await createPodNetns(this.deps.network, this.uid, this.podIP)).path;
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
          body: { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0, preconditions: { uid: this.uid } },
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
    await this.releaseSandbox();
  }

  private async releaseSandbox(): Promise<void> {
    if (this.tokenRefresh) clearInterval(this.tokenRefresh);
    this.tokenRefresh = undefined;
    const owned = this.ownsIP ? this.podIP : undefined;
    this.ownsIP = false;
    if (this.netnsPath) {
      this.netnsPath = undefined;
      await removePodNetns(this.deps.network, this.uid);
    }
    if (owned) this.deps.ips.release(owned);
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
            writeFileSync(file.path, issued.token, { mode: 0o644 });
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
      prepare: (container, restartCount) => this.prepareLaunch(container, restartCount),
      logPath: (containerName, restartCount) => join(this.podDir, 'logs', containerName, `${restartCount}.log`),
      trackProcessGroup: (processGroup, running) => this.deps.trackProcessGroup(processGroup, running),
      changed: () => this.publish(),
      log: (message) => this.deps.log(message),
    };
  }

  private async prepareLaunch(container: V1Container, restartCount: number): Promise<Launch> {
    const plan = await planImage(this.deps.images, container.image ?? '');
    if (plan.kind === 'simulated') return { kind: 'simulated' };
    const { image } = plan;
    const imageUser = parseImageUser(image.config.User);
    verifyRunAsNonRoot(this.pod, container, imageUser);
    const podIP = this.podIP ?? this.deps.hostIP;
    const declared = await resolveContainerEnv({
      pod: this.pod,
      container,
      podIP,
      hostIP: this.deps.hostIP,
      nodeAllocatable: this.deps.nodeAllocatable(this.pod.spec?.nodeName ?? ''),
      objects: this.deps.volumeServices.objects,
    });
    // What in-cluster clients look for: the `kubernetes` Service's ClusterIP, which kube-proxy leads to
    // the API server on the host link (ADR 0007).
    const kubeletEnv: Record<string, string> = {
      HOSTNAME: this.podHostname(),
      KUBERNETES_SERVICE_HOST: this.deps.network.kubernetesServiceIp,
      KUBERNETES_SERVICE_PORT: '443',
      KUBERNETES_SERVICE_PORT_HTTPS: '443',
    };
    const argv = containerArgv(container, image.config, new Map([...Object.entries(kubeletEnv), ...declared]));
    const env = containerEnv(image.config, declared, kubeletEnv);
    checkExecutable(image.rootfs, argv[0]!, env.PATH ?? '');
    const identity = readIdentityFiles(image.rootfs);
    const user = resolveUser(effectiveSecurityContext(this.pod, container), imageUser, identity);
    // runc sets HOME from the user's passwd entry when the image and pod leave it unset.
    env.HOME ??= passwdHome(identity.passwd, user.uid) ?? '/';

    const containerDir = join(this.podDir, 'containers', container.name, String(restartCount));
    mkdirSync(containerDir, { recursive: true });
    const scriptPath = join(containerDir, 'start.sh');
    const script = sandboxScript({
      imageRootfs: image.rootfs,
      containerDir,
      mounts: this.containerMounts(container),
      etcFiles: this.etcFiles(),
      readOnlyRootFilesystem: container.securityContext?.readOnlyRootFilesystem === true,
      uid: user.uid,
      gid: user.gid,
      workingDir: container.workingDir || image.config.WorkingDir || '/',
      argv,
    });
    writeFileSync(scriptPath, script, { mode: 0o600 });
    const { command, args } = sandboxCommand(scriptPath, this.netnsPath);
    return { kind: 'process', command, args, env, cwd: containerDir, imageID: `${image.reference}@sha256:${image.id}` };
  }

  /** Each volumeMount as a bind mount of the volume's host directory (or the subPath inside it). */
  private containerMounts(container: V1Container): SandboxMount[] {
    return (container.volumeMounts ?? []).map((mount) => {
      const hostPath = this.volumes?.hostPaths.get(mount.name);
      if (hostPath === undefined) throw new ContainerConfigError(`volumeMount ${mount.name} names no volume of the pod`);
      const volume = this.pod.spec?.volumes?.find((candidate) => candidate.name === mount.name);
      let source = hostPath;
      if (mount.subPath) {
        source = join(hostPath, mount.subPath);
        if (!source.startsWith(`${hostPath}/`)) throw new ContainerConfigError(`subPath ${mount.subPath} leaves volume ${mount.name}`);
        // The kubelet creates a missing subPath as a directory.
        if (!existsSync(source)) mkdirSync(source, { recursive: true, mode: 0o777 });
      }
      return {
        source,
        target: mount.mountPath,
        readOnly: mount.readOnly === true || volume?.persistentVolumeClaim?.readOnly === true,
        isFile: statSync(source).isFile(),
      };
    });
  }

  private podHostname(): string {
    return this.pod.spec?.hostNetwork ? (this.pod.spec.nodeName ?? this.name) : (this.pod.spec?.hostname ?? this.name);
  }

  /** /etc/hosts, /etc/resolv.conf and /etc/hostname as the kubelet writes them, once per pod. */
  private etcFiles(): { hosts: string; resolvConf: string; hostname: string } {
    const files = { hosts: join(this.podDir, 'etc-hosts'), resolvConf: join(this.podDir, 'resolv.conf'), hostname: join(this.podDir, 'hostname') };
    if (!existsSync(files.hosts)) {
      // Host-network pods see the node's hosts file; others get the kubelet's managed one.
      const hosts = this.pod.spec?.hostNetwork ? readTextOr('/etc/hosts', '') : managedHostsFile(this.podIP ?? this.deps.hostIP, this.podHostname(), this.pod);
      writeFileSync(files.hosts, hosts, { mode: 0o644 });
      // No cluster DNS here: the kubelet then falls back from ClusterFirst to the node's resolv.conf.
      writeFileSync(files.resolvConf, readTextOr('/etc/resolv.conf', ''), { mode: 0o644 });
      writeFileSync(files.hostname, `${this.podHostname()}\n`, { mode: 0o644 });
    }
    return files;
  }
}

function readTextOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}

/** The image's /etc/passwd and /etc/group, where user names resolve. */
function readIdentityFiles(rootfs: string): { passwd?: string; group?: string } {
  const read = (path: string): string | undefined => {
    const text = readTextOr(join(rootfs, path), '');
    return text === '' ? undefined : text;
  };
  return { passwd: read('etc/passwd'), group: read('etc/group') };
}

function passwdHome(passwd: string | undefined, uid: number): string | undefined {
  const entry = (passwd ?? '').split('\n').map((line) => line.split(':')).find((fields) => Number(fields[2]) === uid && fields[0] !== '');
  return entry?.[5] || undefined;
}

function allCompleted(outcomes: RunOutcome[]): boolean {
  return outcomes.every((outcome) => outcome === 'completed');
}
