// `kubectl exec` as the kubelet serves it: remote command protocol v4.channel.k8s.io over SPDY/3.1 (the API
// server translates kubectl's WebSocket v5 into it). The client opens one stream per channel, marked by the
// `streamType` header (error, and stdin/stdout/stderr as asked); once all are there the command runs, its
// output goes to the stdout/stderr streams, and its outcome is a metav1.Status written on the error stream
// (exit code in details.causes, which kubectl turns into its own exit code).
//
// The command joins the container as a container runtime's exec does: nsenter into the namespaces of the
// container's first process (mount, PID, network), its root and working directory, with its uid, gid and
// environment (read from /proc).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { hostTool } from '../sandbox.ts';
import type { SpdySession, SpdyStream } from './spdy-session.ts';
import { RstStatus } from './spdy-frames.ts';

export const EXEC_PROTOCOL = 'v4.channel.k8s.io';

const STREAMS_TIMEOUT_MS = 30_000;
const CLIENT_HANGUP_MS = 10_000;

export interface ExecRequest {
  command: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** Reads exec's query as the API server sends it: ?command=…&command=…&input=1&output=1&error=1&tty=1. */
export function parseExecQuery(query: URLSearchParams): ExecRequest {
  const flag = (name: string): boolean => ['true', '1'].includes(query.get(name) ?? '');
  return { command: query.getAll('command'), stdin: flag('input'), stdout: flag('output'), stderr: flag('error'), tty: flag('tty') };
}

/** The Status kubectl reads from the error stream when the command is over. */
export function exitStatus(command: string[], code: number | null, signal: string | null): Record<string, unknown> {
  if (code === 0) return { metadata: {}, status: 'Success' };
  const exitCode = code ?? 128 + 9;
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${exitCode}${signal ? ` (${signal})` : ''}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  };
}

/** uid, gid and environment of a running process, from /proc. */
function processIdentity(pid: number): { uid: string; gid: string; env: Record<string, string> } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): string => new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? '0';
  const env: Record<string, string> = {};
  for (const entry of readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')) {
    const at = entry.indexOf('=');
    if (at > 0) env[entry.slice(0, at)] = entry.slice(at + 1);
  }
  return { uid: field('Uid'), gid: field('Gid'), env };
}

/** Waits for the channels the request implies, then runs the command in the container whose first process is `pid`. */
export function serveExec(session: SpdySession, request: ExecRequest, pid: number): void {
  const expected = new Set(['error', ...(['stdin', 'stdout', 'stderr'] as const).filter((name) => request[name])]);
  const streams = new Map<string, SpdyStream>();
  const timer = setTimeout(() => session.close(), STREAMS_TIMEOUT_MS);
  session.on('close', () => clearTimeout(timer));
  session.on('stream', (stream: SpdyStream) => {
    const type = stream.headers.streamtype ?? '';
    if (!expected.has(type) || streams.has(type)) return stream.reset(RstStatus.protocolError);
    streams.set(type, stream);
    if (streams.size < expected.size) return;
    clearTimeout(timer);
    run(session, request, pid, streams);
  });
}

function run(session: SpdySession, request: ExecRequest, pid: number, streams: Map<string, SpdyStream>): void {
  const { uid, gid, env } = processIdentity(pid);
  const args = ['-t', String(pid), '-m', '-p', '-n', '-r', '-w', '-S', uid, '-G', gid, '--', ...request.command];
  const child = spawn(hostTool('nsenter'), args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
  const stdin = streams.get('stdin');
  child.stdin.on('error', () => undefined);
  if (stdin) {
    stdin.on('data', (chunk: Buffer) => child.stdin.write(chunk));
    stdin.on('end', () => child.stdin.end());
  } else child.stdin.end();
  const out = streams.get('stdout');
  const err = streams.get('stderr');
  child.stdout.on('data', (chunk: Buffer) => out?.write(chunk));
  child.stderr.on('data', (chunk: Buffer) => err?.write(chunk));
  let finished = false;
  const finish = (status: Record<string, unknown>): void => {
    if (finished) return;
    finished = true;
    out?.end();
    err?.end();
    const error = streams.get('error')!;
    error.write(Buffer.from(JSON.stringify(status)));
    error.end();
    // The client hangs up once it has read the outcome; closing first could lose the frames still queued in
    // its SPDY end (the Go kubelet likewise waits for its streams before it closes). A client that never
    // hangs up is hung up on.
    const hangUp = setTimeout(() => session.close(), CLIENT_HANGUP_MS);
    session.on('close', () => clearTimeout(hangUp));
  };
  child.once('error', (error) => finish({ metadata: {}, status: 'Failure', message: error.message, reason: 'InternalError' }));
  child.once('close', (code, signal) => finish(exitStatus(request.command, code, signal)));
  session.on('close', () => child.kill('SIGKILL'));
}
