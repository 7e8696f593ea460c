import { connect } from 'node:net';
import type { V1Container, V1Probe } from '@kubernetes/client-node';
import { httpCheck } from '../lib/http-check.ts';

export type ProbeKind = 'startup' | 'liveness' | 'readiness';

export interface ProbeResult {
  success: boolean;
  message: string;
}

/** Resolves a probe's port: a number, or the name of one of the container's ports. */
export function resolveProbePort(port: number | string | undefined, container: V1Container): number {
  if (typeof port === 'number') return port;
  if (port !== undefined && /^\d+$/.test(port)) return Number(port);
  const named = container.ports?.find((candidate) => candidate.name === port);
  if (!named) throw new Error(`probe names port "${port}", which container ${container.name} does not declare`);
  return named.containerPort;
}

/**
 * Runs a probe once against the pod's address. exec and gRPC probes cannot be
 * run from outside a container here; they count as passing (documented
 * limitation), HTTP and TCP probes are real.
 */
export async function runProbe(probe: V1Probe, container: V1Container, podIP: string): Promise<ProbeResult> {
  const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000;
  try {
    if (probe.httpGet) {
      const action = probe.httpGet;
      const host = action.host || podIP;
      const port = resolveProbePort(action.port as number | string, container);
      const scheme = (action.scheme ?? 'HTTP').toLowerCase();
      const path = action.path ?? '/';
      const headers: Record<string, string> = { 'user-agent': 'kube-probe/1.36' };
      for (const header of action.httpHeaders ?? []) headers[header.name] = header.value;
      const url = `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}${path.startsWith('/') ? path : `/${path}`}`;
      const result = await httpCheck(url, { timeoutMs, headers, insecure: true });
      const success = result.status >= 200 && result.status < 400;
      return { success, message: success ? '' : `HTTP probe failed with statuscode: ${result.status}` };
    }
    if (probe.tcpSocket) {
      const port = resolveProbePort(probe.tcpSocket.port as number | string, container);
      await tcpConnect(probe.tcpSocket.host || podIP, port, timeoutMs);
      return { success: true, message: '' };
    }
    return { success: true, message: '' };
  } catch (error) {
    return { success: false, message: error instanceof Error ? error.message : String(error) };
  }
}

function tcpConnect(host: string, port: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`dial tcp ${host}:${port}: i/o timeout`)));
    socket.on('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.on('error', reject);
  });
}

/**
 * Runs one probe on its schedule and reports when its verdict changes:
 * initialDelaySeconds, then every periodSeconds; `successThreshold`
 * consecutive successes make it pass, `failureThreshold` consecutive failures
 * make it fail. Readiness and startup start out failing, liveness passing.
 */
export class ProbeLoop {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private passing: boolean;
  private successes = 0;
  private failures = 0;
  lastMessage = '';
  readonly kind: ProbeKind;
  private readonly probe: V1Probe;
  private readonly check: () => Promise<ProbeResult>;
  private readonly onVerdict: (passing: boolean, message: string) => void;

  constructor(
    kind: ProbeKind,
    probe: V1Probe,
    check: () => Promise<ProbeResult>,
    onVerdict: (passing: boolean, message: string) => void,
  ) {
    this.kind = kind;
    this.probe = probe;
    this.check = check;
    this.onVerdict = onVerdict;
    this.passing = kind === 'liveness';
  }

  start(): void {
    this.schedule((this.probe.initialDelaySeconds ?? 0) * 1000);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), ms);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    const started = Date.now();
    const result = await this.check();
    if (this.stopped) return;
    this.lastMessage = result.message;
    if (result.success) {
      this.successes++;
      this.failures = 0;
      const needed = this.kind === 'readiness' ? (this.probe.successThreshold ?? 1) : 1;
      if (!this.passing && this.successes >= needed) this.flip(true, '');
    } else {
      this.failures++;
      this.successes = 0;
      if (this.failures >= (this.probe.failureThreshold ?? 3) && (this.passing || this.kind !== 'readiness')) {
        this.flip(false, result.message);
      }
    }
    if (this.stopped) return;
    const period = (this.probe.periodSeconds ?? 10) * 1000;
    this.schedule(Math.max(0, period - (Date.now() - started)));
  }

  private flip(passing: boolean, message: string): void {
    const changed = this.passing !== passing;
    this.passing = passing;
    // Startup and liveness failures are events (each one restarts the
    // container), so they are reported even when already failing.
    if (changed || !passing) {
      if (!passing) this.failures = 0;
      this.onVerdict(passing, message);
    }
  }
}
