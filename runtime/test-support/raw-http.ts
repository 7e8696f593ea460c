/**
 * Test support: HTTP spoken by hand over a socket, for clients no well-behaved library imitates: bodies
 * larger than they admit to sending, bodies and headers that trickle in, requests abandoned halfway.
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';

export interface RawAnswer {
  /** The status line's code; 0 when the server closed the connection without answering. */
  status: number;
  /** Everything the server sent, headers included. */
  text: string;
  /** Body bytes written before the answer came (or the connection closed). */
  bytesSent: number;
  /** Milliseconds from the first byte of the answer to the connection's close (0 when nothing came). */
  closedAfterMs: number;
}

/**
 * Sends `head` (request line and headers, without the blank line), then body chunks from `nextChunk` for as
 * long as the server keeps reading and has not answered; resolves once the server closes the connection.
 */
export function rawExchange(baseUrl: string, head: string, nextChunk: () => Buffer | undefined): Promise<RawAnswer> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve) => {
    const socket: Socket = connect(Number(port), hostname);
    let text = '';
    let bytesSent = 0;
    let answered = false;
    let answeredAt = 0;
    const pump = (): void => {
      while (!answered && !socket.destroyed) {
        const chunk = nextChunk();
        if (chunk === undefined) return;
        bytesSent += chunk.length;
        if (!socket.write(chunk)) {
          socket.once('drain', pump);
          return;
        }
      }
    };
    socket.on('connect', () => {
      socket.write(`${head}\r\n\r\n`);
      pump();
    });
    socket.on('data', (data: Buffer) => {
      if (!answered) answeredAt = performance.now();
      answered = true;
      text += data.toString('latin1');
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      resolve({ status, text, bytesSent, closedAfterMs: answered ? performance.now() - answeredAt : 0 });
    });
  });
}

/** Opens a connection and sends `head` only; the caller decides what (if anything) follows. */
export function openRaw(baseUrl: string, head: string): Promise<{ socket: Socket; closed: Promise<string> }> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let text = '';
    socket.on('data', (data: Buffer) => (text += data.toString('latin1')));
    socket.on('error', () => undefined);
    const closed = new Promise<string>((done) => socket.on('close', () => done(text)));
    socket.once('connect', () => {
      socket.write(head);
      resolve({ socket, closed });
    });
    socket.once('error', reject);
  });
}
