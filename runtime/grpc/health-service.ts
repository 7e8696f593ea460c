import type { GrpcCall } from './grpc-call.ts';
import type { StreamingHandler, UnaryHandler } from './grpc-dispatch.ts';
import { GrpcError, GrpcStatus } from './grpc-errors.ts';

/**
 * grpc.health.v1 (https://github.com/grpc/grpc/blob/master/doc/health-checking.md): Check answers a
 * service's status (NOT_FOUND for a service it does not know), Watch sends the status now and again on
 * every change until the client goes away, List gives them all. The same behaviour as the grpc-node team's
 * grpc-health-check package, which served it while the listener was grpc-js's.
 */

export type ServingStatus = 'SERVING' | 'NOT_SERVING';

interface HealthRequest {
  service?: string;
}

interface Watcher {
  update(status: ServingStatus): void;
  end(error: GrpcError): void;
}

export class HealthService {
  readonly #statuses = new Map<string, ServingStatus>();
  readonly #watchers = new Map<string, Set<Watcher>>();

  constructor(initial: Record<string, ServingStatus>) {
    for (const [service, status] of Object.entries(initial)) this.#statuses.set(service, status);
  }

  setStatus(service: string, status: ServingStatus): void {
    if (this.#statuses.get(service) === status) return;
    this.#statuses.set(service, status);
    for (const watcher of this.#watchers.get(service) ?? []) watcher.update(status);
  }

  /** Ends every Watch stream with `error` (on shutdown: the client retries elsewhere). */
  endWatches(error: GrpcError): void {
    for (const watchers of this.#watchers.values()) for (const watcher of [...watchers]) watcher.end(error);
  }

  handlers(): { Check: UnaryHandler; Watch: StreamingHandler; List: UnaryHandler } {
    return {
      Check: (request: HealthRequest) => {
        const service = request.service ?? '';
        const status = this.#statuses.get(service);
        if (status === undefined) throw new GrpcError(GrpcStatus.NOT_FOUND, `Health status unknown for service ${service}`);
        return { status };
      },
      Watch: (request: HealthRequest, call: GrpcCall, send: (message: object) => void) => this.#watch(request.service ?? '', call, send),
      List: () => ({ statuses: Object.fromEntries([...this.#statuses].map(([service, status]) => [service, { status }])) }),
    };
  }

  #watch(service: string, call: GrpcCall, send: (message: object) => void): void {
    let watchers = this.#watchers.get(service);
    if (watchers === undefined) this.#watchers.set(service, (watchers = new Set()));
    const watcher: Watcher = {
      update: (status) => send({ status }),
      end: (error) => {
        watchers.delete(watcher);
        call.fail(error);
      },
    };
    watchers.add(watcher);
    call.onCancel(() => watchers.delete(watcher));
    send({ status: this.#statuses.get(service) ?? 'SERVICE_UNKNOWN' });
  }
}
