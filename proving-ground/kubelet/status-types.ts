// Pod status as the kubelet writes it: the JSON shape of the API (times as
// RFC 3339 strings), not client-node's classes (which use Date).

export interface WaitingState {
  reason: string;
  message?: string;
}

export interface RunningState {
  startedAt: string;
}

export interface TerminatedState {
  exitCode: number;
  signal?: number;
  reason: string;
  message?: string;
  startedAt?: string;
  finishedAt: string;
  containerID?: string;
}

export type ContainerState = { waiting: WaitingState } | { running: RunningState } | { terminated: TerminatedState };

export interface ContainerStatusRecord {
  name: string;
  image: string;
  imageID: string;
  containerID?: string;
  ready: boolean;
  started: boolean;
  restartCount: number;
  state: ContainerState;
  lastState: ContainerState | Record<string, never>;
}

export interface PodCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastProbeTime: null;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';

export interface PodStatusRecord {
  phase: PodPhase;
  conditions: PodCondition[];
  hostIP?: string;
  hostIPs?: Array<{ ip: string }>;
  podIP?: string;
  podIPs?: Array<{ ip: string }>;
  startTime?: string;
  initContainerStatuses?: ContainerStatusRecord[];
  containerStatuses: ContainerStatusRecord[];
  observedGeneration?: number;
}

/** RFC 3339 with second precision, as metav1.Time serialises. */
export function kubeTime(date: Date = new Date()): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}
