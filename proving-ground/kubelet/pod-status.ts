import type { V1Pod } from '@kubernetes/client-node';
import type { ContainerStatusRecord, PodCondition, PodPhase, PodStatusRecord } from './status-types.ts';
import { kubeTime } from './status-types.ts';

/** Conditions the kubelet owns; others (PodScheduled, DisruptionTarget, readiness gates) are kept as the API has them. */
const KUBELET_CONDITIONS = new Set(['PodReadyToStartContainers', 'Initialized', 'ContainersReady', 'Ready']);

export interface PodSnapshot {
  pod: V1Pod;
  phase: PodPhase;
  hostIP: string;
  podIP: string | undefined;
  startTime: string;
  sandboxReady: boolean;
  initialized: boolean;
  initContainers: ContainerStatusRecord[];
  containers: ContainerStatusRecord[];
  /** Init containers with restartPolicy Always: they count for readiness like main containers. */
  sidecars?: ContainerStatusRecord[];
}

/**
 * Keeps each condition's lastTransitionTime until its status really changes,
 * so an unchanged pod produces an identical status (and no API write).
 */
export class ConditionClock {
  private readonly seen = new Map<string, { status: string; since: string }>();

  transitionTime(type: string, status: string): string {
    const previous = this.seen.get(type);
    if (previous && previous.status === status) return previous.since;
    const since = kubeTime();
    this.seen.set(type, { status, since });
    return since;
  }
}

export function buildPodStatus(snapshot: PodSnapshot, clock: ConditionClock): PodStatusRecord {
  const { pod } = snapshot;
  const condition = (type: string, ok: boolean, reason?: string, message?: string): PodCondition => {
    const status = ok ? 'True' : 'False';
    const result: PodCondition = { type, status, lastProbeTime: null, lastTransitionTime: clock.transitionTime(type, status) };
    if (!ok && reason) result.reason = reason;
    if (!ok && message) result.message = message;
    if (pod.metadata?.generation !== undefined) result.observedGeneration = pod.metadata.generation;
    return result;
  };

  const terminal = snapshot.phase === 'Succeeded' || snapshot.phase === 'Failed';
  const sidecarNames = new Set((snapshot.sidecars ?? []).map((status) => status.name));
  const incompleteInit = snapshot.initContainers.filter((status) =>
    sidecarNames.has(status.name) ? !status.started : !('terminated' in status.state && status.state.terminated.exitCode === 0),
  );
  const unready = [...(snapshot.sidecars ?? []), ...snapshot.containers].filter((status) => !status.ready);
  const containersReady = !terminal && snapshot.initialized && unready.length === 0;
  const unreadyReason = terminal ? 'PodCompleted' : 'ContainersNotReady';
  const unreadyMessage = terminal ? undefined : `containers with unready status: [${unready.map((status) => status.name).join(' ')}]`;

  const existing = (pod.status?.conditions ?? []) as unknown as PodCondition[];
  const gates = pod.spec?.readinessGates ?? [];
  const gatesOpen = gates.every((gate) => existing.some((c) => c.type === gate.conditionType && c.status === 'True'));
  const ready = containersReady && gatesOpen;

  const conditions: PodCondition[] = [
    condition('PodReadyToStartContainers', snapshot.sandboxReady && !terminal),
    condition(
      'Initialized',
      snapshot.initialized,
      'ContainersNotInitialized',
      `containers with incomplete status: [${incompleteInit.map((status) => status.name).join(' ')}]`,
    ),
    condition('Ready', ready, containersReady ? 'ReadinessGatesNotReady' : unreadyReason, containersReady ? 'the status of pod readiness gates is not "True"' : unreadyMessage),
    condition('ContainersReady', containersReady, unreadyReason, unreadyMessage),
    ...existing.filter((c) => !KUBELET_CONDITIONS.has(c.type)).map(normaliseForeignCondition),
  ];

  const status: PodStatusRecord = {
    phase: snapshot.phase,
    conditions,
    hostIP: snapshot.hostIP,
    hostIPs: [{ ip: snapshot.hostIP }],
    startTime: snapshot.startTime,
    containerStatuses: snapshot.containers.map(copy),
  };
  if (snapshot.podIP) {
    status.podIP = snapshot.podIP;
    status.podIPs = [{ ip: snapshot.podIP }];
  }
  if ((pod.spec?.initContainers ?? []).length > 0) status.initContainerStatuses = snapshot.initContainers.map(copy);
  if (pod.metadata?.generation !== undefined) status.observedGeneration = pod.metadata.generation;
  return status;
}

// client-node's Date fields arrive here as strings from our own client; keep them verbatim.
function normaliseForeignCondition(condition: PodCondition): PodCondition {
  return { ...condition };
}

function copy(status: ContainerStatusRecord): ContainerStatusRecord {
  return structuredClone(status);
}
