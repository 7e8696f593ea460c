/**
 * Test support: runs the real runtime (`node runtime/main.ts …`) as a child process on 127.0.0.1 with a
 * port the OS picks, and finds the port in its "listening" log line.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));

export interface RuntimeProcess {
  child: ChildProcess;
  baseUrl: string;
  /** host:port of the gRPC listener. */
  grpcAddress: string;
  /** Everything the process logged so far (stdout and stderr). */
  output(): string;
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Sends `signal` and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
}

export async function startServe(args: string[], env: NodeJS.ProcessEnv = {}): Promise<RuntimeProcess> {
  const child = spawn(process.execPath, [MAIN, 'serve', '--host', '127.0.0.1', '--port', '0', '--grpc-port', '0', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const waitForOutput = async (pattern: RegExp, timeoutMs = 60_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(output)) {
      if (child.exitCode !== null) throw new Error(`runtime exited (${child.exitCode}) before printing ${pattern}:\n${output}`);
      if (Date.now() > deadline) throw new Error(`runtime did not print ${pattern} in ${timeoutMs} ms:\n${output}`);
      await sleep(20);
    }
  };
  await waitForOutput(/"msg":"listening"/);
  const port = Number(/"port":(\d+),"msg":"listening"/.exec(output)?.[1]);
  const grpcPort = /"port":(\d+),"msg":"grpc listening"/.exec(output)?.[1];
  return {
    child,
    baseUrl: `http://127.0.0.1:${port}`,
    grpcAddress: grpcPort === undefined ? '' : `127.0.0.1:${grpcPort}`,
    output: () => output,
    waitForOutput,
    exited,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Polls until the model reports ready (200) or failed for good (a reason other than loading). */
export async function waitUntilSettled(baseUrl: string, timeoutMs = 120_000): Promise<{ status: number; body: Record<string, unknown> }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await fetch(`${baseUrl}/v2/health/ready`);
    const body = (await response.json()) as Record<string, unknown>;
    if (response.status === 200 || body.reason !== 'model is loading') return { status: response.status, body };
    if (Date.now() > deadline) throw new Error(`model still loading after ${timeoutMs} ms`);
    await sleep(50);
  }
}

export async function startReady(args: string[], env: NodeJS.ProcessEnv = {}): Promise<RuntimeProcess> {
  const runtime = await startServe(args, env);
  const settled = await waitUntilSettled(runtime.baseUrl);
  if (settled.status !== 200) {
    await runtime.stop('SIGKILL');
    throw new Error(`model did not become ready: ${JSON.stringify(settled.body)}\n${runtime.output()}`);
  }
  return runtime;
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON; the raw text is returned
  }
  return { status: response.status, body: parsed };
}
