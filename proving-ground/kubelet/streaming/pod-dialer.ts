// Opens a TCP connection to localhost:<port> inside a pod's network namespace, as a node's container
// runtime does for `kubectl port-forward` (so a server listening only on the pod's loopback is reached too).
// Node cannot switch one socket into another network namespace, so the connection is made by a small relay,
// Node itself started under `nsenter --net=<pod netns>`, that copies between its stdin/stdout and the socket.
// Pods on the host's network are dialed directly.
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { hostTool } from '../sandbox.ts';

export interface PodConnection {
  /** Bytes for the pod's server; end() half-closes. */
  input: Writable;
  /** Bytes from the pod's server; ends when it closes its side. */
  output: Readable;
  /** Settles when the connection is over: undefined, or why it failed (refused, reset…). */
  done: Promise<string | undefined>;
  close(): void;
}

// The relay reports a failure on stderr with a non-zero exit; a clean close of the pod's side exits 0
// (stdout is a pipe, written synchronously on Linux, so nothing is lost by exiting at once).
const RELAY = [
  "const socket = require('node:net').connect(Number(process.argv[1]), '127.0.0.1');",
  'process.stdin.pipe(socket);',
  'socket.pipe(process.stdout);',
  "socket.on('error', (error) => { process.stderr.write(error.message); process.exit(1); });",
  "socket.on('close', () => process.exit(0));",
].join('\n');

export function dialPodPort(netnsPath: string | undefined, port: number, nsenter = hostTool('nsenter')): PodConnection {
  return netnsPath === undefined ? dialHost(port) : dialInNamespace(netnsPath, port, nsenter);
}

function dialHost(port: number): PodConnection {
  const socket = connect(port, '127.0.0.1');
  const done = new Promise<string | undefined>((resolve) => {
    socket.once('error', (error) => resolve(error.message));
    socket.once('close', () => resolve(undefined));
  });
  return { input: socket, output: socket, done, close: () => socket.destroy() };
}

function dialInNamespace(netnsPath: string, port: number, nsenter: string): PodConnection {
  const child = spawn(nsenter, [`--net=${netnsPath}`, '--', process.execPath, '-e', RELAY, String(port)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  // Writing after the relay exited is not an error of the forwarded connection: its outcome is the exit.
  child.stdin.on('error', () => undefined);
  const done = new Promise<string | undefined>((resolve) => {
    child.once('error', (error) => resolve(error.message));
    child.once('close', (code, signal) => {
      if (code === 0) resolve(undefined);
      else resolve(stderr.trim() || `relay into ${netnsPath} ended with ${signal ?? `code ${code}`}`);
    });
  });
  return { input: child.stdin, output: child.stdout, done, close: () => child.kill('SIGKILL') };
}
