import type { V1Container, V1LifecycleHandler } from '@kubernetes/client-node';
import { httpCheck } from '../lib/http-check.ts';
import { delay } from '../lib/wait.ts';
import { resolveProbePort } from './probes.ts';

/**
 * Seconds a `sleep N` command would sleep: ["sleep","5"], ["/bin/sleep","5"],
 * ["sh","-c","sleep 5"]. Undefined for anything else, which a kubelet outside
 * the container cannot run.
 */
export function sleepSecondsOfCommand(command: string[] | undefined): number | undefined {
  if (!command || command.length === 0) return undefined;
  let words = command;
  if (/(^|\/)(ba)?sh$/.test(words[0]!) && words[1] === '-c' && words[2] !== undefined) words = words[2].trim().split(/\s+/);
  if (words.length === 2 && /(^|\/)sleep$/.test(words[0]!) && /^\d+(\.\d+)?$/.test(words[1]!)) return Number(words[1]);
  return undefined;
}

/** Runs a preStop handler; resolves when it is done or the signal aborts (grace period over). */
export async function runPreStop(
  handler: V1LifecycleHandler,
  container: V1Container,
  podIP: string,
  signal: AbortSignal,
  log: (message: string) => void,
): Promise<void> {
  if (handler.sleep) return delay(handler.sleep.seconds * 1000, signal);
  if (handler.exec) {
    const seconds = sleepSecondsOfCommand(handler.exec.command);
    if (seconds !== undefined) return delay(seconds * 1000, signal);
    log(`preStop exec ${JSON.stringify(handler.exec.command)} of ${container.name} cannot run outside a container; skipped`);
    return;
  }
  if (handler.httpGet) {
    const action = handler.httpGet;
    const port = resolveProbePort(action.port as number | string, container);
    const path = action.path ?? '/';
    const url = `${(action.scheme ?? 'HTTP').toLowerCase()}://${action.host || podIP}:${port}${path.startsWith('/') ? path : `/${path}`}`;
    try {
      await httpCheck(url, { insecure: true, timeoutMs: 30_000 });
    } catch (error) {
      log(`preStop httpGet ${url} of ${container.name} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
