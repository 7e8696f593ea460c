// The kubelet API's streaming endpoints: the API server proxies `pods/portforward` to
// POST /portForward/{namespace}/{pod} and `pods/exec` to POST /exec/{namespace}/{pod}/{container}, each an
// HTTP upgrade to SPDY/3.1 (kubectl's WebSocket ends at the API server, which tunnels port-forward's SPDY
// frames through and translates exec's channels). This kubelet declares no node features, so the API server
// never sends it WebSockets itself.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { EXEC_PROTOCOL, parseExecQuery, serveExec } from './exec.ts';
import { dialPodPort } from './pod-dialer.ts';
import { PORT_FORWARD_PROTOCOL, servePortForward } from './port-forward.ts';
import { SpdySession } from './spdy-session.ts';

export interface StreamingPod {
  uid: string;
  /** The pod's network namespace (/run/netns/…), undefined on the host's network. */
  netnsPath: string | undefined;
  /** The host PID of a running container's first process, or undefined. */
  containerPid(container: string): number | undefined;
}

export interface StreamingPodSource {
  /** A running pod bound to this node, or undefined. */
  streamingPod(namespace: string, pod: string): StreamingPod | undefined;
}

const REASONS: Record<number, string> = { 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 501: 'Not Implemented' };

/** What a refused upgrade answers: a metav1.Status, which the API server passes on for kubectl to print. */
export function statusResponse(code: number, reason: string, message: string): string {
  const body = JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
  return [
    `HTTP/1.1 ${code} ${REASONS[code] ?? 'Error'}`,
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    '',
    body,
  ].join('\r\n');
}

class Refusal extends Error {
  readonly code: number;
  readonly reason: string;

  constructor(code: number, reason: string, message: string) {
    super(message);
    this.code = code;
    this.reason = reason;
  }
}

/** Serves one upgrade request already known to come from the API server. */
export function serveUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer, pods: StreamingPodSource): void {
  try {
    route(request, socket, head, pods);
  } catch (error) {
    if (!(error instanceof Refusal)) throw error;
    socket.end(statusResponse(error.code, error.reason, error.message));
  }
}

function route(request: IncomingMessage, socket: Duplex, head: Buffer, pods: StreamingPodSource): void {
  const url = new URL(request.url ?? '/', 'https://kubelet');
  const match = /^\/(portForward|exec|attach)\/([^/]+)\/([^/]+)(?:\/([^/]+))?$/.exec(url.pathname);
  if (!match) throw new Refusal(404, 'NotFound', `no streaming endpoint at ${url.pathname}`);
  const [kind, namespace, name, container] = [match[1]!, ...match.slice(2).map((part) => (part === undefined ? undefined : decodeURIComponent(part)))] as [string, string, string, string | undefined];
  if (kind === 'attach') throw new Refusal(501, 'NotImplemented', 'attach is not supported by the proving ground\'s kubelet; use kubectl logs -f or kubectl exec');
  const pod = pods.streamingPod(namespace, name);
  if (!pod) throw new Refusal(404, 'NotFound', `pod ${namespace}/${name} is not running on this node`);
  if (request.headers.upgrade?.toLowerCase() !== 'spdy/3.1') throw new Refusal(400, 'BadRequest', 'unable to upgrade: only SPDY/3.1 is served');
  if (kind === 'portForward') {
    const session = switchProtocols(request, socket, head, PORT_FORWARD_PROTOCOL);
    return servePortForward(session, { podName: `${namespace}/${name}`, uid: pod.uid, dial: (port) => dialPodPort(pod.netnsPath, port) });
  }
  const exec = parseExecQuery(url.searchParams);
  if (exec.command.length === 0) throw new Refusal(400, 'BadRequest', 'you must specify at least one command for the container');
  if (exec.tty) throw new Refusal(400, 'BadRequest', 'a TTY is not supported by the proving ground\'s kubelet: run kubectl exec without -t');
  const pid = container === undefined ? undefined : pod.containerPid(container);
  if (pid === undefined) throw new Refusal(400, 'BadRequest', `container ${container ?? ''} is not running in pod ${namespace}/${name}`);
  serveExec(switchProtocols(request, socket, head, EXEC_PROTOCOL), exec, pid);
}

/** Answers 101 with the one sub-protocol served here, if the client offers it, and starts the SPDY session. */
function switchProtocols(request: IncomingMessage, socket: Duplex, head: Buffer, protocol: string): SpdySession {
  const offered = String(request.headers['x-stream-protocol-version'] ?? '').split(',').map((value) => value.trim());
  if (!offered.includes(protocol)) {
    throw new Refusal(403, 'Forbidden', `unable to upgrade: unable to negotiate protocol: client supports ${offered.join(', ')}, server supports ${protocol}`);
  }
  socket.write(['HTTP/1.1 101 Switching Protocols', 'Connection: Upgrade', 'Upgrade: SPDY/3.1', `X-Stream-Protocol-Version: ${protocol}`, '', ''].join('\r\n'));
  if (head.length > 0) socket.unshift(head);
  return new SpdySession(socket);
}
