// Why a runtime pod is not Ready, asked of the pod itself. A runtime whose model does not load keeps
// running and answers its readiness probe with 503 {"ready": false, "reason": "model failed to load: …"}
// (runtime/model/served-model.ts): the container never restarts, so only the pod's own answer tells a model
// that will never load from one that is still loading. Reading it lets a bad candidate roll back within
// seconds instead of at progressDeadlineSeconds.

import type { V1Pod } from '@kubernetes/client-node';
import { HTTP_PORT, READY_PATH } from '../builders/paths.ts';
import type { RevisionFailure } from '../rollout/observe.ts';

export interface HealthProberOptions {
  fetch?: typeof globalThis.fetch;
  now?: () => number;
  timeoutMs?: number;
  /** The same pod is asked at most this often. */
  minIntervalMs?: number;
}

export class HealthProber {
  private readonly fetch: typeof globalThis.fetch;
  private readonly now: () => number;
  private readonly timeoutMs: number;
  private readonly minIntervalMs: number;
  private readonly asked = new Map<string, { at: number; failure: RevisionFailure | undefined }>();

  constructor(opts: HealthProberOptions = {}) {
    this.fetch = opts.fetch ?? globalThis.fetch;
    this.now = opts.now ?? Date.now;
    this.timeoutMs = opts.timeoutMs ?? 1000;
    this.minIntervalMs = opts.minIntervalMs ?? 1000;
  }

  /** The first model failure among `pods` that run but are not Ready; undefined when none says so. */
  async modelFailure(pods: readonly V1Pod[]): Promise<RevisionFailure | undefined> {
    const waiting = pods.filter(isRunningUnready);
    const answers = await Promise.all(waiting.map((p) => this.ask(p)));
    this.prune();
    return answers.find((a) => a !== undefined);
  }

  /** Whether any of `pods` is one this prober would ask: the caller then looks again soon. */
  static hasUnready(pods: readonly V1Pod[]): boolean {
    return pods.some(isRunningUnready);
  }

  private async ask(pod: V1Pod): Promise<RevisionFailure | undefined> {
    const key = podKey(pod);
    const now = this.now();
    const last = this.asked.get(key);
    if (last && now - last.at < this.minIntervalMs) return last.failure;
    let failure: RevisionFailure | undefined;
    try {
      const ip = pod.status?.podIP ?? '';
      const host = ip.includes(':') ? `[${ip}]` : ip;
      const res = await this.fetch(`http://${host}:${HTTP_PORT}${READY_PATH}`, { signal: AbortSignal.timeout(this.timeoutMs) });
      if (res.status === 503) {
        const reason = ((await res.json().catch(() => ({}))) as { reason?: unknown }).reason;
        if (typeof reason === 'string' && /failed to load/i.test(reason)) {
          failure = {
            reason: /checksum mismatch/i.test(reason) ? 'ChecksumMismatch' : 'ModelLoadFailed',
            message: `${pod.metadata?.name ?? 'a pod'}: ${reason.length > 600 ? `${reason.slice(0, 597)}...` : reason}`,
          };
        }
      }
    } catch {
      // Not answering is what starting pods do; the deadline covers one that never does.
    }
    this.asked.set(key, { at: now, failure });
    return failure;
  }

  /** Forgets answers of pods not asked about for a minute (gone, Ready, or of a finished rollout). */
  private prune(): void {
    const cutoff = this.now() - 60_000;
    for (const [key, { at }] of this.asked) if (at < cutoff) this.asked.delete(key);
  }
}

function podKey(pod: V1Pod): string {
  return pod.metadata?.uid ?? `${pod.metadata?.namespace}/${pod.metadata?.name}`;
}

/** A pod whose containers run, with an IP, that is not Ready and not going away. */
function isRunningUnready(pod: V1Pod): boolean {
  if (pod.metadata?.deletionTimestamp || !pod.status?.podIP || pod.status.phase !== 'Running') return false;
  if (pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) return false;
  return (pod.status.containerStatuses ?? []).some((s) => s.state?.running !== undefined);
}
