// The kubelet's port-forward protocol (portforward.k8s.io over SPDY/3.1), as kubectl's client speaks it:
// per forwarded connection the client opens two streams carrying the same `requestID` and the pod `port`,
// one with `streamType: error` (the client half-closes it at once; we write a message there if forwarding
// fails, then close it) and one with `streamType: data` (the bytes both ways). Each pair becomes a TCP
// connection to localhost:<port> in the pod's network namespace (pod-dialer.ts).
import type { SpdySession, SpdyStream } from './spdy-session.ts';
import { RstStatus } from './spdy-frames.ts';
import type { PodConnection } from './pod-dialer.ts';

export const PORT_FORWARD_PROTOCOL = 'portforward.k8s.io';

/** How long the first stream of a pair waits for its partner (the Go kubelet's default is 30 s). */
const PAIR_TIMEOUT_MS = 30_000;

export interface PortForwardTarget {
  /** For messages: namespace/name and uid, as the Go kubelet words them. */
  podName: string;
  uid: string;
  dial(port: number): PodConnection;
}

interface StreamPair {
  error?: SpdyStream;
  data?: SpdyStream;
  timer: NodeJS.Timeout;
}

export function servePortForward(session: SpdySession, target: PortForwardTarget): void {
  const pairs = new Map<string, StreamPair>();
  const open = new Set<PodConnection>();
  session.on('stream', (stream: SpdyStream) => {
    const type = stream.headers.streamtype;
    const requestId = stream.headers.requestid ?? '';
    if (type !== 'error' && type !== 'data') return stream.reset(RstStatus.protocolError);
    let pair = pairs.get(requestId);
    if (!pair) {
      const timer = setTimeout(() => {
        pairs.delete(requestId);
        pair?.error?.reset(RstStatus.cancel);
        pair?.data?.reset(RstStatus.cancel);
      }, PAIR_TIMEOUT_MS);
      pair = { timer };
      pairs.set(requestId, pair);
    }
    pair[type] = stream;
    if (pair.error && pair.data) {
      clearTimeout(pair.timer);
      pairs.delete(requestId);
      forward(pair.error, pair.data, target, open);
    }
  });
  session.on('close', () => {
    for (const pair of pairs.values()) clearTimeout(pair.timer);
    for (const connection of open) connection.close();
  });
}

function forward(errorStream: SpdyStream, dataStream: SpdyStream, target: PortForwardTarget, open: Set<PodConnection>): void {
  const port = Number(dataStream.headers.port);
  const finish = (message: string | undefined): void => {
    if (message) errorStream.write(Buffer.from(message));
    errorStream.end();
    dataStream.end();
  };
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    return finish(`invalid port ${JSON.stringify(dataStream.headers.port ?? '')} to forward to pod ${target.podName}`);
  }
  const connection = target.dial(port);
  open.add(connection);
  dataStream.on('data', (chunk: Buffer) => connection.input.write(chunk));
  dataStream.on('end', () => connection.input.end());
  dataStream.on('close', () => connection.close());
  connection.output.on('data', (chunk: Buffer) => dataStream.write(chunk));
  void connection.done.then((failure) => {
    open.delete(connection);
    finish(failure && `error forwarding port ${port} to pod ${target.podName}, uid ${target.uid}: ${failure}`);
  });
}
