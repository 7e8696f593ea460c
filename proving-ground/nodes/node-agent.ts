import type { KubeClient } from '../../src/kube/client.ts';
import { isConflict, isNotFound } from '../../src/kube/errors.ts';
import { describeError } from '../lib/wait.ts';
import { kubeTime } from '../kubelet/status-types.ts';
import { buildLease, buildNode, daemonEndpoints, microTime, nodeConditions } from './node-object.ts';
import type { NodeSpec } from './node-object.ts';

export interface NodeAgentOptions {
  api: KubeClient;
  nodes: NodeSpec[];
  kubeletVersion: string;
  /** The kubelet renews its Lease every 10s (a quarter of its 40s duration). */
  leaseRenewMs?: number;
  /** The kubelet re-posts unchanged node status every 5 minutes. */
  statusReportMs?: number;
  log: (line: string) => void;
}

const LEASE_DURATION_SECONDS = 40;

/**
 * Keeps the proving ground's Nodes alive in the eyes of the node-lifecycle
 * controller: registers them Ready, renews their Leases, re-posts their
 * Ready condition now and then. Without this they would be tainted
 * unreachable and their pods evicted after the grace period.
 */
export class NodeAgent {
  private readonly options: NodeAgentOptions;
  private readonly uids = new Map<string, string>();
  private readonly readySince = new Map<string, string>();
  private timers: NodeJS.Timeout[] = [];

  constructor(options: NodeAgentOptions) {
    this.options = options;
  }

  async register(): Promise<void> {
    for (const spec of this.options.nodes) {
      const now = kubeTime();
      let node: { metadata: { uid: string } };
      try {
        node = await this.options.api.create('/api/v1/nodes', buildNode(spec, this.options.kubeletVersion, now));
      } catch (error) {
        if (!isConflict(error)) throw error;
        node = await this.options.api.get(`/api/v1/nodes/${spec.name}`);
        await this.postStatus(spec.name, now, { daemonEndpoints: daemonEndpoints(spec) });
      }
      this.uids.set(spec.name, node.metadata.uid);
      this.readySince.set(spec.name, now);
      await this.renewLease(spec.name);
    }
  }

  start(): void {
    const leaseTimer = setInterval(() => {
      for (const spec of this.options.nodes) {
        this.renewLease(spec.name).catch((error: unknown) => this.options.log(`node ${spec.name}: lease renewal failed: ${describeError(error)}`));
      }
    }, this.options.leaseRenewMs ?? 10_000);
    const statusTimer = setInterval(() => {
      for (const spec of this.options.nodes) {
        this.postStatus(spec.name, kubeTime()).catch((error: unknown) =>
          this.options.log(`node ${spec.name}: status heartbeat failed: ${describeError(error)}`),
        );
      }
    }, this.options.statusReportMs ?? 5 * 60_000);
    leaseTimer.unref();
    statusTimer.unref();
    this.timers = [leaseTimer, statusTimer];
  }

  stop(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
  }

  private async postStatus(name: string, now: string, extra: Record<string, unknown> = {}): Promise<void> {
    await this.options.api.request('PATCH', `/api/v1/nodes/${name}/status`, {
      // Strategic merge: conditions merge by type, other fields stay as they are.
      contentType: 'application/strategic-merge-patch+json',
      body: { status: { ...extra, conditions: nodeConditions(now, this.readySince.get(name) ?? now) } },
    });
  }

  private async renewLease(name: string): Promise<void> {
    const path = `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${name}`;
    const renewTime = microTime();
    try {
      await this.options.api.mergePatch(path, { spec: { holderIdentity: name, renewTime } });
    } catch (error) {
      if (!isNotFound(error)) throw error;
      await this.options.api.create(
        '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases',
        buildLease(name, this.uids.get(name) ?? '', renewTime, LEASE_DURATION_SECONDS),
      );
    }
  }
}
