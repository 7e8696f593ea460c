// What the rollout engine knows about each revision, read from the informer caches: the revision's
// Deployment (size, readiness, template and number annotations) and its pods (has the model fetch failed,
// is the runtime crash-looping). Pure.

import type { V1ContainerStatus, V1Deployment, V1Pod } from '@kubernetes/client-node';
import { LABELS } from '../api/constants.ts';
import type { RevisionTemplate } from '../builders/revision.ts';
import { NUMBER_ANNOTATION, TEMPLATE_ANNOTATION, parseNumber, parseTemplate } from '../builders/revision.ts';

/** Why a revision will not come up without a change: reasons reach status, history and Events. */
export interface RevisionFailure {
  reason: 'FetchFailed' | 'ChecksumMismatch' | 'CrashLoopBackOff' | 'ModelLoadFailed';
  message: string;
}

export interface ObservedRevision {
  hash: string;
  /** Name of its Deployment. */
  name: string;
  number?: number;
  template?: RevisionTemplate;
  /** The model version it serves: its template's, or its version label when the template is unreadable. */
  version?: string;
  /** spec.replicas of its Deployment: what the operator last asked for. */
  replicas: number;
  /** Pods that exist and are not terminating. */
  currentReplicas: number;
  /** Ready pods (not terminating): what receives traffic. */
  readyReplicas: number;
  failure?: RevisionFailure;
}

/** A runtime container that restarted this often after failing is crash-looping, not starting slowly. */
const CRASH_LOOP_RESTARTS = 2;

/** The revision each Deployment runs, with what its pods say. Deployments without a revision label are skipped. */
export function observeRevisions(deployments: readonly V1Deployment[], pods: readonly V1Pod[]): ObservedRevision[] {
  const podsByRevision = new Map<string, V1Pod[]>();
  for (const pod of pods) {
    const hash = pod.metadata?.labels?.[LABELS.revision];
    if (!hash || pod.metadata?.deletionTimestamp) continue;
    podsByRevision.set(hash, [...(podsByRevision.get(hash) ?? []), pod]);
  }
  const out: ObservedRevision[] = [];
  for (const d of deployments) {
    const hash = d.spec?.template?.metadata?.labels?.[LABELS.revision] ?? d.metadata?.labels?.[LABELS.revision];
    if (!hash) continue;
    const annotations = d.metadata?.annotations ?? {};
    const number = parseNumber(annotations[NUMBER_ANNOTATION]);
    const template = parseTemplate(annotations[TEMPLATE_ANNOTATION]);
    const version = template?.model.version ?? d.metadata?.labels?.[LABELS.version];
    const failure = revisionFailure(podsByRevision.get(hash) ?? []);
    out.push({
      hash,
      name: d.metadata?.name ?? '',
      ...(number !== undefined ? { number } : {}),
      ...(template ? { template } : {}),
      ...(version ? { version } : {}),
      replicas: d.spec?.replicas ?? 0,
      currentReplicas: d.status?.replicas ?? 0,
      readyReplicas: d.status?.readyReplicas ?? 0,
      ...(failure ? { failure } : {}),
    });
  }
  return out;
}

/**
 * Whether a revision's pods show a failure no waiting will fix:
 * - the model fetch (an init container) exited with an error: the file is missing, unreachable after the
 *   fetch's own retries, or does not match spec.model.sha256 (ChecksumMismatch);
 * - the runtime exited with an error CRASH_LOOP_RESTARTS times: the model does not load, or the runtime
 *   cannot start with this template.
 */
export function revisionFailure(pods: readonly V1Pod[]): RevisionFailure | undefined {
  for (const pod of pods) {
    const name = pod.metadata?.name ?? 'a pod';
    for (const s of pod.status?.initContainerStatuses ?? []) {
      const t = failedTermination(s);
      if (!t) continue;
      const message = `${name}: init container ${s.name} exited with code ${t.exitCode}${t.message ? `: ${lastLines(t.message)}` : ''}`;
      const checksum = /checksum mismatch|sha-?256/i.test(t.message ?? '');
      return { reason: checksum ? 'ChecksumMismatch' : 'FetchFailed', message };
    }
    for (const s of pod.status?.containerStatuses ?? []) {
      const t = failedTermination(s);
      if (!t || (s.restartCount ?? 0) < CRASH_LOOP_RESTARTS) continue;
      return {
        reason: 'CrashLoopBackOff',
        message: `${name}: container ${s.name} exited with code ${t.exitCode} ${s.restartCount} times${t.message ? `: ${lastLines(t.message)}` : ''}`,
      };
    }
  }
  return undefined;
}

function failedTermination(s: V1ContainerStatus): { exitCode: number; message?: string } | undefined {
  for (const t of [s.state?.terminated, s.lastState?.terminated]) {
    if (t && t.exitCode !== 0) return { exitCode: t.exitCode, ...(t.message ? { message: t.message } : {}) };
  }
  return undefined;
}

/** The end of a termination message (a log tail): the last non-empty lines, at most 400 characters. */
function lastLines(text: string): string {
  const lines = text.trim().split('\n').filter((l) => l.trim() !== '');
  const tail = lines.slice(-3).join(' | ');
  return tail.length <= 400 ? tail : `...${tail.slice(-397)}`;
}
