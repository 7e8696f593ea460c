import { readdirSync } from 'node:fs';
import type { Server } from 'node:https';
import type { V1Pod } from '@kubernetes/client-node';
import { ImageStore } from '../images/store.ts';
import type { KubeClient } from '../../src/kube/client.ts';
import { isNotFound } from '../../src/kube/errors.ts';
import { Informer } from '../../src/kube/informer.ts';
import type { Cached } from '../../src/kube/object.ts';
import { Pods } from '../../src/kube/resources.ts';
import { lineLogger } from '../lib/line-logger.ts';
import { describeError } from '../lib/wait.ts';
import { apiVolumeServices } from './api-objects.ts';
import { KUBELET_CRASH_BACKOFF } from './backoff.ts';
import type { BackoffPolicy } from './backoff.ts';
import { firstPodAddress, lastPodAddress } from '../network/addresses.ts';
import type { ClusterAddresses } from '../network/addresses.ts';
import { PodIpAllocator } from './pod-ips.ts';
import { PodWorker } from './pod-worker.ts';
import { startKubeletServer } from './kubelet-server.ts';
import type { ContainerLogSource } from './kubelet-server.ts';
import { processGroupUsage } from './process-usage.ts';
import { renderResourceMetrics } from './resource-metrics.ts';
import type { ContainerUsage, NodeUsageSample } from './resource-metrics.ts';

export interface KubeletNode {
  name: string;
  allocatable: { cpu: string; memory: string };
  /** The port of this node's kubelet API (on HOST_IP); none is served when unset. */
  port?: number;
}

export interface LocalKubeletOptions {
  api: KubeClient;
  nodes: KubeletNode[];
  podsDir: string;
  pvcDir: string;
  /** Where container images come from (images/store.ts); default: the user's image store. */
  images?: ImageStore;
  apiServerUrl: string;
  /** The cluster network (network/node-network.ts): pods get their namespaces and addresses in it. */
  network: ClusterAddresses;
  /** TLS for the kubelet API: serving certificate and key, and the CA that signs the API server's client certificate. */
  serving?: { certificatePem: string; privateKeyPem: string; clientCaPem: string };
  /** CrashLoopBackOff timing; defaults to the kubelet's 10s doubling to 5 min. */
  backoff?: BackoffPolicy;
  /** Told about every process group a pod starts, so they die with us. */
  trackProcessGroup?: (processGroup: number, running: boolean) => void;
  log: (line: string) => void;
}

/** The node address every pod reports as hostIP. */
export const HOST_IP = '127.0.0.1';

/**
 * A kubelet for the proving ground: watches the pods bound to its nodes and
 * runs each through a PodWorker.
 */
export class LocalKubelet {
  private readonly options: LocalKubeletOptions;
  private readonly workers = new Map<string, PodWorker>();
  private readonly ips: PodIpAllocator;
  private readonly images: ImageStore;
  private informers: Informer<Cached<V1Pod>>[] = [];
  private readonly processGroups = new Set<number>();
  private servers: Server[] = [];
  private stopped = false;

  constructor(options: LocalKubeletOptions) {
    this.options = options;
    this.ips = new PodIpAllocator(firstPodAddress(options.network), lastPodAddress(options.network));
    this.images = options.images ?? new ImageStore();
  }

  /** The pod CIDR of this kubelet's pods. */
  get podNetwork(): string {
    return this.options.network.podCidr;
  }

  /** Serves each node's kubelet API (logs, port-forward) on its port. */
  async serve(): Promise<void> {
    const { serving } = this.options;
    if (!serving) return;
    for (const node of this.options.nodes) {
      if (node.port === undefined) continue;
      const pods = { streamingPod: (namespace: string, name: string) => this.podOnNode(node.name, namespace, name)?.streamingPod() };
      const resourceMetrics = (): string => renderResourceMetrics(this.usageOf(node.name));
      this.servers.push(await startKubeletServer({ ...serving, port: node.port, address: HOST_IP, logs: this.logSource(node.name), pods, resourceMetrics }));
    }
  }

  start(): void {
    this.options.log(`kubelet: nodes ${this.options.nodes.map((node) => node.name).join(', ')}, pod network ${this.podNetwork}`);
    const log = lineLogger('kubelet', this.options.log);
    for (const node of this.options.nodes) {
      // A relist tells the handlers what changed meanwhile: pods gone from the list arrive as deletions.
      const informer = new Informer<Cached<V1Pod>>(this.options.api, Pods, {
        namespaces: [],
        fieldSelector: `spec.nodeName=${node.name}`,
        log,
        minBackoffMs: 500,
        maxBackoffMs: 10_000,
      });
      informer.on({ add: (pod) => this.onPod(pod), update: (_, pod) => this.onPod(pod), delete: (pod) => this.onDeleted(pod) });
      informer.start();
      this.informers.push(informer);
    }
  }

  /** Stops watching and stops every pod process (quickly; nothing is written to the API). */
  async stop(): Promise<void> {
    this.stopped = true;
    const watchesEnded = Promise.all(this.informers.map((informer) => informer.stop()));
    this.informers = [];
    for (const server of this.servers) server.close();
    for (const server of this.servers) server.closeAllConnections();
    this.servers = [];
    await Promise.all([...this.workers.values()].map((worker) => worker.shutdown()));
    this.workers.clear();
    await watchesEnded;
  }

  /** Process groups of running pod containers. */
  runningProcessGroups(): number[] {
    return [...this.processGroups];
  }

  /** The directory of a pod's volumes, logs and kubeconfig (pods/<namespace>_<name>_<uid>). */
  podDirectory(namespace: string, name: string): string | undefined {
    for (const worker of this.workers.values()) {
      if (worker.pod.metadata?.namespace === namespace && worker.pod.metadata?.name === name) return worker.podDir;
    }
    const prefix = `${namespace}_${name}_`;
    const match = readdirSafe(this.options.podsDir).find((entry) => entry.startsWith(prefix));
    return match ? `${this.options.podsDir}/${match}` : undefined;
  }

  private workerFor(namespace: string, name: string): PodWorker | undefined {
    return [...this.workers.values()].find((worker) => worker.pod.metadata?.namespace === namespace && worker.pod.metadata?.name === name);
  }

  private podOnNode(nodeName: string, namespace: string, name: string): PodWorker | undefined {
    const worker = this.workerFor(namespace, name);
    return worker?.pod.spec?.nodeName === nodeName ? worker : undefined;
  }

  /**
   * The usage of every running container of one node, read now from its processes (process-usage.ts).
   * The node's own usage is the sum of its pods': the proving ground's nodes share one machine, so the
   * machine's total would count every node's pods on each of them.
   */
  private usageOf(nodeName: string): NodeUsageSample {
    const running = [...this.workers.values()]
      .filter((worker) => worker.pod.spec?.nodeName === nodeName)
      .flatMap((worker) => worker.runningContainers().map((container) => ({ pod: worker.pod, ...container })));
    const usage = processGroupUsage(running.map((container) => container.processGroup));
    const timestampMs = Date.now();
    const containers: ContainerUsage[] = [];
    let scrapeError = false;
    for (const { pod, name, processGroup, startedAt } of running) {
      const reading = usage.get(processGroup);
      if (!reading) {
        scrapeError = true; // exited between the listing and the read: left out, as the kubelet does
        continue;
      }
      const startTimeSeconds = Date.parse(startedAt) / 1000;
      containers.push({ namespace: pod.metadata?.namespace ?? '', pod: pod.metadata?.name ?? '', container: name, startTimeSeconds, ...reading });
    }
    const node = containers.reduce((sum, c) => ({ cpuSeconds: sum.cpuSeconds + c.cpuSeconds, memoryBytes: sum.memoryBytes + c.memoryBytes }), { cpuSeconds: 0, memoryBytes: 0 });
    return { timestampMs, node, containers, scrapeError };
  }

  /** The logs of the pods bound to one node, for its kubelet API. */
  private logSource(nodeName: string): ContainerLogSource {
    const onNode = (namespace: string, name: string): PodWorker | undefined => this.podOnNode(nodeName, namespace, name);
    return {
      podDirectory: (namespace, name) => (onNode(namespace, name) ? this.podDirectory(namespace, name) : undefined),
      containerNames: (namespace, name) => {
        const spec = onNode(namespace, name)?.pod.spec;
        return spec ? [...(spec.initContainers ?? []), ...spec.containers].map((container) => container.name) : undefined;
      },
      isRunning: (namespace, name, container, restart) => onNode(namespace, name)?.isRunning(container, restart) ?? false,
    };
  }

  private onPod(pod: V1Pod): void {
    if (this.stopped) return;
    const uid = pod.metadata?.uid;
    if (!uid) return;
    const existing = this.workers.get(uid);
    if (existing) {
      existing.update(pod);
      return;
    }
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') {
      // Finished before we saw it (or in an earlier life of the kubelet): nothing runs;
      // a deletion only needs the final removal.
      if (pod.metadata?.deletionTimestamp) void this.removeFinishedPod(pod);
      return;
    }
    const worker = new PodWorker(
      {
        api: this.options.api,
        ips: this.ips,
        network: this.options.network,
        podsDir: this.options.podsDir,
        images: this.images,
        apiServerUrl: this.options.apiServerUrl,
        hostIP: HOST_IP,
        backoff: this.options.backoff ?? KUBELET_CRASH_BACKOFF,
        volumeServices: apiVolumeServices(this.options.api, this.options.pvcDir),
        nodeAllocatable: (nodeName) =>
          this.options.nodes.find((node) => node.name === nodeName)?.allocatable ?? { cpu: '1', memory: '1Gi' },
        trackProcessGroup: (processGroup, running) => {
          if (running) this.processGroups.add(processGroup);
          else this.processGroups.delete(processGroup);
          this.options.trackProcessGroup?.(processGroup, running);
        },
        log: this.options.log,
        finished: (finishedUid) => {
          if (this.workers.get(finishedUid) === worker) this.workers.delete(finishedUid);
        },
      },
      pod,
    );
    this.workers.set(uid, worker);
    worker.start();
  }

  private onDeleted(pod: V1Pod): void {
    const uid = pod.metadata?.uid;
    const worker = uid ? this.workers.get(uid) : undefined;
    if (worker) void worker.vanished();
  }

  private async removeFinishedPod(pod: V1Pod): Promise<void> {
    const { namespace, name, uid } = pod.metadata ?? {};
    try {
      await this.options.api.delete(`/api/v1/namespaces/${namespace}/pods/${name}`, {
        body: { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0, preconditions: { uid } },
      });
    } catch (error) {
      if (!isNotFound(error)) this.options.log(`kubelet: deleting finished pod ${namespace}/${name}: ${describeError(error)}`);
    }
  }
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
