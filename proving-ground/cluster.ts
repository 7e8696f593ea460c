// startCluster(): a real Kubernetes control plane (etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler from the one binary that
// build-controlplane.ts makes), registered Nodes, and the local kubelet, all
// under one directory and all stopped by stop().
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import type { KubeClient } from '../src/kube/client.ts';
import { ensureControlPlaneBinary } from './build-controlplane.ts';
import { clusterLayout } from './cluster-layout.ts';
import type { ClusterLayout } from './cluster-layout.ts';
import { AUDIT_POLICY_YAML } from './components/audit-policy.ts';
import { etcdArgs, etcdClientUrl } from './components/etcd.ts';
import { apiServerArgs, apiServerUrl } from './components/kube-apiserver.ts';
import { controllerManagerArgs } from './components/kube-controller-manager.ts';
import { schedulerArgs } from './components/kube-scheduler.ts';
import { startComponent } from './components/start-component.ts';
import { kubeClientFor, renderKubeconfig } from './kubeconfig.ts';
import type { BackoffPolicy } from './kubelet/backoff.ts';
import { ImageStore } from './images/store.ts';
import { LocalKubelet } from './kubelet/kubelet.ts';
import { startGuardian } from './lib/guardian.ts';
import type { Guardian } from './lib/guardian.ts';
import { httpCheck } from './lib/http-check.ts';
import { freePort } from './lib/ports.ts';
import { processesWithCommandLineContaining, stopProcessGroup } from './lib/processes.ts';
import type { ManagedProcess } from './lib/processes.ts';
import { describeError, pollUntil } from './lib/wait.ts';
import { NodeAgent } from './nodes/node-agent.ts';
import { defaultNodeSpecs } from './nodes/node-object.ts';
import type { NodeSpec } from './nodes/node-object.ts';
import { createClusterPki } from './pki/cluster-pki.ts';
import { createNodeNetwork, NETWORK_PROGRAMS } from './network/node-network.ts';
import { ensureHostPrograms } from './lib/debian-packages.ts';
import { kubeProxyCommand, kubeProxyHealthzUrl } from './components/kube-proxy.ts';
import type { ClusterPki } from './pki/cluster-pki.ts';
import { LocalVolumeProvisioner } from './storage/local-provisioner.ts';

export const REPO_ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

export interface StartClusterOptions {
  /** Directory for everything of this cluster; created. Default: a new temporary directory. */
  dir?: string;
  /** How many Nodes (default 1), or their specs. */
  nodes?: number | NodeSpec[];
  /** Run the local kubelet in this process (default true). */
  kubelet?: boolean;
  /** CrashLoopBackOff timing for the kubelet; defaults to the real 10s → 5 min. */
  crashBackoff?: BackoffPolicy;
  /** The image store the kubelet runs images from (images/store.ts); default: the user's. */
  imageStore?: string;
  /** Lease renewal period of the Nodes (default 10s, as the kubelet). */
  nodeLeaseRenewMs?: number;
  /**
   * Path of the control-plane binary; default: $MODELSHIP_CONTROLPLANE_BINARY,
   * else ensureControlPlaneBinary() (builds it once, cached).
   */
  binary?: string;
  onProgress?: (line: string) => void;
}

export interface ClusterProcess {
  name: string;
  pid: number;
  logPath: string;
}

export interface Cluster {
  dir: string;
  layout: ClusterLayout;
  /** https://127.0.0.1:<port> */
  server: string;
  /** Admin kubeconfig (system:masters), self-contained. */
  kubeconfigPath: string;
  kubeConfig: KubeConfig;
  /** Every write to the API, one JSON line each (audit level Metadata). */
  auditLogPath: string;
  nodeNames: string[];
  /** Control-plane components; pod processes are in kubelet.runningProcessGroups(). */
  components: ClusterProcess[];
  kubelet: LocalKubelet | undefined;
  /** Raw admin client (the one the kubelet uses has its own identity). */
  api: KubeClient;
  /** Component log files by name: etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kube-proxy, kubelet. */
  logs: Record<string, string>;
  /**
   * Hands over a process group started beside the cluster (Flux's controllers): the cluster stops it first
   * when it stops, and the guardian stops it if the process that started the cluster dies.
   */
  adopt(process: ManagedProcess): void;
  /** Stops everything this cluster started and checks that no process is left. */
  stop(options?: { removeDir?: boolean }): Promise<void>;
}

const TIMEOUTS = {
  etcd: 60_000,
  // A cold API server on a busy two-core machine takes a while for its post-start hooks.
  apiserver: 240_000,
  controllers: 120_000,
  nodes: 120_000,
};

/** Ports are picked free but bound later; another process can take one in between. Then we start over. */
const START_ATTEMPTS = 3;

export async function startCluster(options: StartClusterOptions = {}): Promise<Cluster> {
  const progress = options.onProgress ?? (() => {});
  const binary =
    options.binary || process.env.MODELSHIP_CONTROLPLANE_BINARY || (await ensureControlPlaneBinary({ onProgress: progress }));
  const dir = resolve(options.dir ?? mkdtempSync(join(tmpdir(), 'modelship-cluster-')));
  for (let attempt = 1; ; attempt++) {
    try {
      return await startClusterOnce(options, binary, dir, progress);
    } catch (error) {
      if (attempt >= START_ATTEMPTS || !/address already in use/.test(describeError(error))) throw error;
      progress(`a port was taken by another process meanwhile; starting over (attempt ${attempt + 1} of ${START_ATTEMPTS})`);
      rmSync(join(dir, 'etcd'), { recursive: true, force: true });
    }
  }
}

async function startClusterOnce(options: StartClusterOptions, binary: string, dir: string, progress: (line: string) => void): Promise<Cluster> {
  mkdirSync(dir, { recursive: true });
  const layout = clusterLayout(dir);
  mkdirSync(layout.logsDir, { recursive: true });
  const guardian = startGuardian(dir);
  const started: ManagedProcess[] = [];
  const cleanup: Array<() => Promise<void> | void> = [];

  const teardown = async (): Promise<string[]> => {
    for (const step of cleanup.reverse()) {
      try {
        await step();
      } catch {
        // keep tearing down
      }
    }
    cleanup.length = 0;
    for (const process of started.reverse()) {
      await stopProcessGroup(process.pid, 10_000);
      guardian.forget(process.pid);
    }
    started.length = 0;
    await guardian.release();
    // Anything still naming a path in our directory (a pod process, a stray child) goes now.
    const leftovers = processesWithCommandLineContaining(`${dir}/`);
    for (const { pid } of leftovers) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    return leftovers.map((entry) => `${entry.pid} ${entry.commandLine}`);
  };

  try {
    progress(`cluster directory: ${dir}`);
    progress('generating certificates and keys');
    progress('creating the cluster network (node and pod network namespaces)');
    await ensureHostPrograms(NETWORK_PROGRAMS, progress);
    const network = await createNodeNetwork();
    cleanup.push(() => network.remove());
    // The guardian removes it if we die (guardian.sh).
    writeFileSync(join(dir, 'network'), `${network.addresses.nodeNetns} ${network.addresses.hostLink}\n`);
    const pki = createClusterPki(layout.pkiDir, [network.addresses.hostAddress, network.addresses.kubernetesServiceIp]);
    writeFileSync(layout.auditPolicy, AUDIT_POLICY_YAML);

    const [etcdClientPort, etcdPeerPort, apiserverPort, controllerManagerPort, schedulerPort] = await Promise.all(
      Array.from({ length: 5 }, () => freePort()),
    ) as [number, number, number, number, number];
    const server = apiServerUrl({ address: network.addresses.hostAddress, securePort: apiserverPort });
    writeKubeconfigs(layout, pki, server);

    const etcdConfig = { dataDir: layout.etcdDataDir, clientPort: etcdClientPort, peerPort: etcdPeerPort };
    started.push(
      await startComponent({
        name: 'etcd',
        binary,
        args: etcdArgs(etcdConfig),
        logPath: layout.logOf('etcd'),
        isReady: async () => (await httpCheck(`${etcdClientUrl(etcdConfig)}/health`)).body.includes('"health":"true"'),
        readiness: 'etcd /health to report healthy',
        timeoutMs: TIMEOUTS.etcd,
        guardian,
        onProgress: progress,
      }),
    );

    const adminTls = {
      certificateAuthorityPem: pki.ca.certificatePem,
      clientCertificatePem: pki.admin.certificatePem,
      clientKeyPem: pki.admin.privateKeyPem,
    };
    started.push(
      await startComponent({
        name: 'kube-apiserver',
        binary,
        args: apiServerArgs({
          pki,
          etcdUrl: etcdClientUrl(etcdConfig),
          address: network.addresses.hostAddress,
          serviceCidr: network.addresses.serviceCidr,
          securePort: apiserverPort,
          auditPolicyPath: layout.auditPolicy,
          auditLogPath: layout.auditLog,
        }),
        logPath: layout.logOf('kube-apiserver'),
        isReady: async () => (await httpCheck(`${server}/readyz`, adminTls)).status === 200,
        readiness: 'kube-apiserver /readyz to answer 200',
        timeoutMs: TIMEOUTS.apiserver,
        guardian,
        onProgress: progress,
      }),
    );

    const healthz = (port: number) => async () => (await httpCheck(`https://127.0.0.1:${port}/healthz`, { insecure: true })).status === 200;
    const [controllerManager, scheduler] = await Promise.all([
      startComponent({
        name: 'kube-controller-manager',
        binary,
        args: controllerManagerArgs({
          pki,
          kubeconfigPath: layout.controllerManagerKubeconfig,
          securePort: controllerManagerPort,
          serviceCidr: network.addresses.serviceCidr,
        }),
        logPath: layout.logOf('kube-controller-manager'),
        isReady: healthz(controllerManagerPort),
        readiness: 'kube-controller-manager /healthz to answer 200',
        timeoutMs: TIMEOUTS.controllers,
        guardian,
        onProgress: progress,
      }),
      startComponent({
        name: 'kube-scheduler',
        binary,
        args: schedulerArgs({ pki, kubeconfigPath: layout.schedulerKubeconfig, securePort: schedulerPort }),
        logPath: layout.logOf('kube-scheduler'),
        isReady: healthz(schedulerPort),
        readiness: 'kube-scheduler /healthz to answer 200',
        timeoutMs: TIMEOUTS.controllers,
        guardian,
        onProgress: progress,
      }),
    ]);
    started.push(controllerManager, scheduler);

    const api = kubeClientFor(server, pki.ca.certificatePem, pki.admin, 'modelship-proving-ground/admin');
    // The kubelet, its node agent and the provisioner use the kubelet's own certificate (user modelship:local-kubelet).
    const kubeletApi = kubeClientFor(server, pki.ca.certificatePem, pki.kubelet, 'modelship-local-kubelet');

    const kubeletLogPath = layout.logOf('kubelet');
    const kubeletLog = (line: string): void => appendLine(kubeletLogPath, line);
    const version = await api.get<{ gitVersion: string }>('/version');
    const nodeSpecs = typeof options.nodes === 'object' ? options.nodes : defaultNodeSpecs(options.nodes ?? 1);
    // Every node shares the host's address, so each kubelet API gets its own port.
    const nodes = await Promise.all(nodeSpecs.map(async (node) => ({ ...node, kubeletPort: node.kubeletPort ?? (await freePort()) })));
    progress(`registering ${nodes.length} node(s): ${nodes.map((node) => node.name).join(', ')}`);
    const nodeAgent = new NodeAgent({
      api: kubeletApi,
      nodes,
      kubeletVersion: version.gitVersion,
      leaseRenewMs: options.nodeLeaseRenewMs,
      log: kubeletLog,
    });
    await nodeAgent.register();
    nodeAgent.start();
    cleanup.push(() => nodeAgent.stop());

    const [healthzPort, metricsPort] = (await Promise.all([freePort(), freePort()])) as [number, number];
    const proxyConfig = { binary, kubeconfigPath: layout.kubeProxyKubeconfig, network: network.addresses, nodeName: nodes[0]!.name, healthzPort, metricsPort };
    const proxyCommand = kubeProxyCommand(proxyConfig);
    started.push(
      await startComponent({
        name: 'kube-proxy',
        binary: proxyCommand.command,
        args: proxyCommand.args,
        logPath: layout.logOf('kube-proxy'),
        isReady: async () => (await httpCheck(kubeProxyHealthzUrl(proxyConfig))).status === 200,
        readiness: 'kube-proxy /healthz to answer 200 (its first sync done)',
        timeoutMs: TIMEOUTS.controllers,
        guardian,
        onProgress: progress,
      }),
    );

    const provisioner = new LocalVolumeProvisioner({ api: kubeletApi, pvcDir: layout.pvcDir, log: kubeletLog });
    await provisioner.start();
    cleanup.push(() => provisioner.stop());

    let kubelet: LocalKubelet | undefined;
    if (options.kubelet !== false) {
      kubelet = new LocalKubelet({
        api: kubeletApi,
        nodes: nodes.map((node) => ({ name: node.name, allocatable: { cpu: node.cpu, memory: node.memory }, port: node.kubeletPort })),
        podsDir: layout.podsDir,
        pvcDir: layout.pvcDir,
        images: new ImageStore(options.imageStore),
        apiServerUrl: server,
        network: network.addresses,
        serving: { certificatePem: pki.kubeletServing.certificatePem, privateKeyPem: pki.kubeletServing.privateKeyPem, clientCaPem: pki.ca.certificatePem },
        backoff: options.crashBackoff,
        trackProcessGroup: (processGroup, running) => (running ? guardian.watch(processGroup) : guardian.forget(processGroup)),
        log: kubeletLog,
      });
      const running = kubelet;
      cleanup.push(() => running.stop());
      await kubelet.serve();
      kubelet.start();
    }

    progress('waiting for nodes to be schedulable and the default service account to exist');
    await waitUntilUsable(api, nodes.map((node) => node.name), layout);

    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(layout.adminKubeconfig);
    const components = started.map((process) => ({ name: process.name, pid: process.pid, logPath: process.logPath }));
    progress(`cluster ready: ${server}`);

    let stopping: Promise<void> | undefined;
    return {
      dir,
      layout,
      server,
      kubeconfigPath: layout.adminKubeconfig,
      kubeConfig,
      auditLogPath: layout.auditLog,
      nodeNames: nodes.map((node) => node.name),
      components,
      kubelet,
      api,
      logs: {
        etcd: layout.logOf('etcd'),
        'kube-apiserver': layout.logOf('kube-apiserver'),
        'kube-controller-manager': layout.logOf('kube-controller-manager'),
        'kube-scheduler': layout.logOf('kube-scheduler'),
        'kube-proxy': layout.logOf('kube-proxy'),
        kubelet: kubeletLogPath,
      },
      adopt(process) {
        started.push(process);
        guardian.watch(process.pid);
      },
      stop(stopOptions = {}) {
        stopping ??= (async () => {
          const leftovers = await teardown();
          if (leftovers.length > 0) {
            throw new Error(`cluster stop had to SIGKILL processes that outlived their process groups:\n${leftovers.join('\n')}`);
          }
          if (stopOptions.removeDir) rmSync(dir, { recursive: true, force: true });
        })();
        return stopping;
      },
    };
  } catch (error) {
    await teardown();
    throw new Error(`the proving-ground cluster did not start: ${describeError(error)}`, { cause: error });
  }
}

function writeKubeconfigs(layout: ClusterLayout, pki: ClusterPki, server: string): void {
  const write = (path: string, certificate: { certificatePem: string; privateKeyPem: string }, name: string): void =>
    writeFileSync(
      path,
      renderKubeconfig({
        server,
        certificateAuthorityPem: pki.ca.certificatePem,
        credentials: { clientCertificatePem: certificate.certificatePem, clientKeyPem: certificate.privateKeyPem },
        name,
      }),
      { mode: 0o600 },
    );
  write(layout.adminKubeconfig, pki.admin, 'modelship-proving-ground');
  write(layout.controllerManagerKubeconfig, pki.controllerManager, 'kube-controller-manager');
  write(layout.schedulerKubeconfig, pki.scheduler, 'kube-scheduler');
  write(layout.kubeProxyKubeconfig, pki.kubeProxy, 'kube-proxy');
}

interface NodeList {
  items: Array<{ metadata: { name: string }; spec?: { taints?: Array<{ key: string; effect: string }> } }>;
}

/** Pods can be created and scheduled: nodes carry no NoSchedule taint, and the default ServiceAccount exists. */
async function waitUntilUsable(api: KubeClient, nodeNames: string[], layout: ClusterLayout): Promise<void> {
  await pollUntil(
    async () => {
      const nodes = await api.get<NodeList>('/api/v1/nodes');
      return nodeNames.every((name) => {
        const node = nodes.items.find((item) => item.metadata.name === name);
        return node !== undefined && !(node.spec?.taints ?? []).some((taint) => taint.effect === 'NoSchedule' || taint.effect === 'NoExecute');
      });
    },
    {
      description: 'the nodes to lose their not-ready taints (node-lifecycle controller)',
      timeoutMs: TIMEOUTS.nodes,
      intervalMs: 500,
      diagnose: () => `see ${layout.logOf('kube-controller-manager')} and ${layout.logOf('kubelet')}`,
    },
  );
  await pollUntil(() => api.get('/api/v1/namespaces/default/serviceaccounts/default').then(() => true), {
    description: 'the default ServiceAccount (serviceaccount controller)',
    timeoutMs: TIMEOUTS.nodes,
    intervalMs: 500,
    diagnose: () => `see ${layout.logOf('kube-controller-manager')}`,
  });
}

function appendLine(path: string, line: string): void {
  try {
    writeFileSync(path, `${new Date().toISOString()} ${line}\n`, { flag: 'a' });
  } catch {
    // logging must never break the kubelet
  }
}
