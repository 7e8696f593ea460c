import { randomUUID } from 'node:crypto';
import { arch, release } from 'node:os';

export interface NodeSpec {
  name: string;
  cpu: string;
  memory: string;
  pods: number;
  labels?: Record<string, string>;
  /** Where this node's kubelet API listens (on NODE_ADDRESS); each node of a host needs its own. */
  kubeletPort?: number;
}

export const NODE_ADDRESS = '127.0.0.1';

/** Node names for a cluster of `count` nodes: "proving-ground", or "proving-ground-1…n". */
export function defaultNodeSpecs(count: number): NodeSpec[] {
  const names = count === 1 ? ['proving-ground'] : Array.from({ length: count }, (_, index) => `proving-ground-${index + 1}`);
  return names.map((name) => ({ name, cpu: '8', memory: '32Gi', pods: 110 }));
}

function goArch(): string {
  const value = arch();
  return value === 'x64' ? 'amd64' : value === 'ia32' ? '386' : value;
}

export function nodeConditions(heartbeat: string, transition: string): unknown[] {
  const condition = (type: string, status: string, reason: string, message: string) => ({
    type,
    status,
    reason,
    message,
    lastHeartbeatTime: heartbeat,
    lastTransitionTime: transition,
  });
  return [
    condition('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
    condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
    condition('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
    condition('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
  ];
}

/** A Node as a kubelet registers it: capacity, allocatable, Ready, addresses, node info. */
export function buildNode(spec: NodeSpec, kubeletVersion: string, now: string): unknown {
  const resources = { cpu: spec.cpu, memory: spec.memory, pods: String(spec.pods), 'ephemeral-storage': '100Gi' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: spec.name,
      labels: {
        'kubernetes.io/hostname': spec.name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': goArch(),
        'beta.kubernetes.io/os': 'linux',
        'beta.kubernetes.io/arch': goArch(),
        'modelship.io/proving-ground': 'true',
        ...spec.labels,
      },
      annotations: { 'node.alpha.kubernetes.io/ttl': '0' },
    },
    spec: {},
    status: {
      capacity: resources,
      allocatable: resources,
      conditions: nodeConditions(now, now),
      addresses: [
        { type: 'InternalIP', address: NODE_ADDRESS },
        { type: 'Hostname', address: spec.name },
      ],
      daemonEndpoints: daemonEndpoints(spec),
      nodeInfo: {
        machineID: randomUUID().replaceAll('-', ''),
        systemUUID: randomUUID(),
        bootID: randomUUID(),
        kernelVersion: release(),
        osImage: 'Modelship proving ground',
        containerRuntimeVersion: 'proving-ground://0.1.0',
        kubeletVersion,
        kubeProxyVersion: '',
        operatingSystem: 'linux',
        architecture: goArch(),
      },
    },
  };
}

/** Where the API server reaches the node's kubelet (logs): InternalIP and this port. */
export function daemonEndpoints(spec: NodeSpec): { kubeletEndpoint: { Port: number } } {
  return { kubeletEndpoint: { Port: spec.kubeletPort ?? 10250 } };
}

/** The node's Lease in kube-node-lease; node-lifecycle reads its renewTime as the heartbeat. */
export function buildLease(nodeName: string, nodeUid: string, renewTime: string, durationSeconds: number): unknown {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name: nodeName,
      namespace: 'kube-node-lease',
      ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: nodeName, uid: nodeUid }],
    },
    spec: { holderIdentity: nodeName, leaseDurationSeconds: durationSeconds, renewTime },
  };
}

/** metav1.MicroTime: RFC 3339 with microseconds. */
export function microTime(date: Date = new Date()): string {
  return `${date.toISOString().slice(0, 23)}000Z`;
}
