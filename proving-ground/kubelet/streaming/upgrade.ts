// The kubelet API's streaming endpoints: the API server proxies `pods/portforward` to
// POST /portForward/{namespace}/{pod} and `pods/exec` to POST /exec/{namespace}/{pod}/{container}, each an
// HTTP upgrade to SPDY/3.1 (kubectl's WebSocket ends at the API server, which tunnels port-forward's SPDY
// frames through and translates exec's channels). This kubelet declares no node features, so the API server
// never sends it WebSockets itself.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { dialPodPort } from './pod-dialer.ts';
import { PORT_FORWARD_PROTOCOL, servePortForward } from './port-forward.ts';
import { SpdySession } from './spdy-session.ts';

export interface StreamingPod {
  uid: string;
  /** The pod's network namespace (/run/netns/…), undefined on the host's network. */
  netnsPath: string | undefined;
}

export interface StreamingPodSource {
  /** A running pod bound to this node, or undefined. */
  streamingPod(namespace: string, pod: string): StreamingPod | undefined;
}

/** What a refused upgrade answers: a metav1.Status, which the API server passes on for kubectl to print. */
export function statusResponse(code: number, reason: string, message: string): string {
  const body = JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
  const text = code === 404 ? 'Not Found' : code === 400 ? 'Bad Request' : code === 403 ? 'Forbidden' : 'Not Implemented';
  return [
    `HTTP/1.1 ${code} ${text}`,
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    '',
    body,
  ].join('\r\n');
}

export const EXEC_UNSUPPORTED =
  'exec is not supported by the proving ground\'s kubelet (it runs containers without a container runtime to exec into); use kubectl logs, or kubectl port-forward to reach the pod';

/** Serves one upgrade request already known to come from the API server. */
export function serveUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer, pods: StreamingPodSource): void {
  const url = new URL(request.url ?? '/', 'https://kubelet');
  const refuse = (code: number, reason: string, message: string): void => void socket.end(statusResponse(code, reason, message));
  const portForward = /^\/portForward\/([^/]+)\/([^/]+)$/.exec(url.pathname);
  if (/^\/(exec|attach)\//.test(url.pathname)) return refuse(501, 'NotImplemented', EXEC_UNSUPPORTED);
  if (!portForward) return refuse(404, 'NotFound', `no streaming endpoint at ${url.pathname}`);
  const [namespace, name] = portForward.slice(1).map(decodeURIComponent) as [string, string];
  const pod = pods.streamingPod(namespace, name);
  if (!pod) return refuse(404, 'NotFound', `pod ${namespace}/${name} is not running on this node`);
  if (request.headers.upgrade?.toLowerCase() !== 'spdy/3.1') return refuse(400, 'BadRequest', 'unable to upgrade: only SPDY/3.1 is served');
  const offered = String(request.headers['x-stream-protocol-version'] ?? '').split(',').map((value) => value.trim());
  if (!offered.includes(PORT_FORWARD_PROTOCOL)) {
    return refuse(403, 'Forbidden', `unable to upgrade: unable to negotiate protocol: client supports ${offered.join(', ')}, server supports ${PORT_FORWARD_PROTOCOL}`);
  }
  socket.write(
    [
      'HTTP/1.1 101 Switching Protocols',
      'Connection: Upgrade',
      'Upgrade: SPDY/3.1',
      `X-Stream-Protocol-Version: ${PORT_FORWARD_PROTOCOL}`,
      '',
      '',
    ].join('\r\n'),
  );
  if (head.length > 0) socket.unshift(head);
  const session = new SpdySession(socket);
  servePortForward(session, { podName: `${namespace}/${name}`, uid: pod.uid, dial: (port) => dialPodPort(pod.netnsPath, port) });
}
