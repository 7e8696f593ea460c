import type { KubeClient } from '../../src/kube/client.ts';
import { isNotFound } from '../../src/kube/errors.ts';
import { describeError, delay } from '../lib/wait.ts';
import type { PodStatusRecord } from './status-types.ts';

/**
 * Writes a pod's status through the status subresource, at most one request
 * in flight, coalescing bursts of changes, and never sending a status equal
 * to the last one written: other tests count API writes, and a kubelet that
 * rewrites unchanged status would drown their signal.
 */
export class PodStatusWriter {
  private readonly api: KubeClient;
  private readonly path: string;
  private readonly uid: string;
  private readonly log: (message: string) => void;
  private desired: PodStatusRecord | undefined;
  private lastWritten: string | undefined;
  private running: Promise<void> | undefined;
  private closed = false;

  constructor(api: KubeClient, namespace: string, name: string, uid: string, log: (message: string) => void) {
    this.api = api;
    this.path = `/api/v1/namespaces/${namespace}/pods/${name}/status`;
    this.uid = uid;
    this.log = log;
  }

  /** Sets the status we want the API to show; written soon unless unchanged. */
  set(status: PodStatusRecord): void {
    if (this.closed) return;
    this.desired = status;
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
    });
  }

  /** Waits until the latest desired status has been written (or given up on). */
  async flush(): Promise<void> {
    while (this.running) await this.running;
  }

  /** No more writes (the pod is being deleted or is gone). */
  close(): void {
    this.closed = true;
  }

  private async drain(): Promise<void> {
    // Let a burst of changes (a container starting and its probe passing) settle into one write.
    await delay(50);
    let failures = 0;
    while (!this.closed && this.desired) {
      const body = JSON.stringify(this.desired);
      if (body === this.lastWritten) return;
      try {
        // metadata.uid acts as a precondition: never patch a pod recreated under the same name.
        await this.api.mergePatch(this.path, { metadata: { uid: this.uid }, status: this.desired });
        this.lastWritten = body;
        failures = 0;
      } catch (error) {
        if (isNotFound(error)) {
          this.closed = true;
          return;
        }
        failures++;
        this.log(`status update of ${this.path} failed (${failures}): ${describeError(error)}`);
        await delay(Math.min(500 * 2 ** failures, 10_000));
      }
    }
  }
}
