import { Server, ServerCredentials } from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import type { RuntimeContext } from '../server/context.ts';
import { inferenceService } from './inference-service.ts';
import { INFERENCE_SERVICE, INFERENCE_SERVICE_NAME } from './proto.ts';

/**
 * The gRPC listener: GRPCInferenceService and grpc.health.v1 on their own port (HTTP/2 without TLS, as
 * KServe and Triton serve it inside a cluster). Health reports SERVING for the overall server ('') and the
 * inference service exactly when REST's /v2/health/ready would answer 200.
 */
const CLOSE_GRACE_MS = 1000;

export class GrpcListener {
  readonly #server: Server;
  readonly #health = new HealthImplementation({ '': 'NOT_SERVING', [INFERENCE_SERVICE_NAME]: 'NOT_SERVING' });
  readonly #context: RuntimeContext;
  #port = 0;
  #boundAddress = '';

  constructor(context: RuntimeContext) {
    this.#context = context;
    this.#server = new Server({
      // REST's body limit applies to gRPC messages too; grpc-js answers RESOURCE_EXHAUSTED beyond it.
      'grpc.max_receive_message_length': context.maxBodyBytes,
      'grpc.max_send_message_length': -1,
      'grpc.enable_channelz': 0,
    });
    this.#server.addService(INFERENCE_SERVICE, inferenceService(context));
    this.#health.addToServer(this.#server);
  }

  get port(): number {
    return this.#port;
  }

  async listen(host: string, port: number): Promise<number> {
    const hostPart = host.includes(':') ? `[${host}]` : host;
    this.#port = await new Promise<number>((resolve, reject) => {
      this.#server.bindAsync(`${hostPart}:${port}`, ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound)));
    });
    // grpc-js unbinds a port by the address it was bound with, the chosen port in place of 0.
    this.#boundAddress = `${hostPart}:${this.#port}`;
    return this.#port;
  }

  /** Re-reads readiness into the health service; called whenever the model's phase changes. */
  refreshHealth(): void {
    const status = this.#context.model.notReadyReason() === undefined ? 'SERVING' : 'NOT_SERVING';
    this.#health.setStatus('', status);
    this.#health.setStatus(INFERENCE_SERVICE_NAME, status);
  }

  /** Drain, first half: stop accepting connections; calls on open connections are still served, as on REST. */
  stopAccepting(): void {
    this.refreshHealth();
    this.#server.unbind(this.#boundAddress);
  }

  /**
   * Drain, second half, once in-flight inference is done: let calls finish and connections close, then close
   * what is left. Health Watch streams never end by themselves, so the wait is short.
   */
  close(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#server.forceShutdown();
        resolve();
      }, Math.min(timeoutMs, CLOSE_GRACE_MS));
      this.#server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
