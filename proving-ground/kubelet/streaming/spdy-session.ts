// The server end of a SPDY/3.1 connection (after the HTTP upgrade): streams the peer opens, each answered
// with SYN_REPLY, their data both ways with FIN for half-close, RST_STREAM, PING answered, GOAWAY.
// Header blocks are zlib-compressed with one compression context per direction for the whole connection
// (SPDY/3 section 2.6.10), hence the long-lived inflate/deflate streams and the serialised frame handling.
// Flow control is not enforced in either direction: kubectl's SPDY end sends no WINDOW_UPDATE (the Go
// kubelet's does not wait for one either).
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { constants, createDeflate, createInflate } from 'node:zlib';
import type { Deflate, Inflate } from 'node:zlib';
import {
  FLAG_FIN,
  FrameReader,
  FrameType,
  HEADER_DICTIONARY,
  decodeHeaderBlock,
  encodeControlFrame,
  encodeDataFrame,
  encodeHeaderBlock,
  goAwayBody,
  headerBlockOffset,
  rstStreamBody,
  streamIdAt,
  synReplyBody,
} from './spdy-frames.ts';
import type { Frame } from './spdy-frames.ts';

/** One stream the peer opened. Events: 'data' (Buffer), 'end' (peer's FIN), 'close' (both sides done or reset). */
export class SpdyStream extends EventEmitter {
  readonly id: number;
  readonly headers: Record<string, string>;
  private readonly session: SpdySession;
  private remoteEnded = false;
  private localEnded = false;
  closed = false;

  constructor(session: SpdySession, id: number, headers: Record<string, string>) {
    super();
    this.session = session;
    this.id = id;
    this.headers = headers;
  }

  write(data: Buffer): void {
    if (this.localEnded || this.closed || data.length === 0) return;
    this.session.send(encodeDataFrame(this.id, data, false));
  }

  /** Half-closes our side (FIN). */
  end(): void {
    if (this.localEnded || this.closed) return;
    this.localEnded = true;
    this.session.send(encodeDataFrame(this.id, Buffer.alloc(0), true));
    this.maybeClosed();
  }

  reset(status: number): void {
    if (this.closed) return;
    this.session.send(encodeControlFrame(FrameType.rstStream, 0, rstStreamBody(this.id, status)));
    this.markClosed();
  }

  /** @internal */
  receive(data: Buffer, fin: boolean): void {
    if (this.remoteEnded) return;
    if (data.length > 0) this.emit('data', data);
    if (!fin) return;
    this.remoteEnded = true;
    this.emit('end');
    this.maybeClosed();
  }

  /** @internal The peer reset the stream, or the connection ended. */
  markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    if (!this.remoteEnded) {
      this.remoteEnded = true;
      this.emit('end');
    }
    this.emit('close');
  }

  private maybeClosed(): void {
    if (this.localEnded && this.remoteEnded) this.markClosed();
  }
}

/** Events: 'stream' (SpdyStream, already answered), 'close'. */
export class SpdySession extends EventEmitter {
  private readonly socket: Duplex;
  private readonly reader = new FrameReader();
  private readonly streams = new Map<number, SpdyStream>();
  private readonly inflate: Inflate = createInflate({ dictionary: HEADER_DICTIONARY });
  private readonly deflate: Deflate = createDeflate({ dictionary: HEADER_DICTIONARY });
  private queue: Promise<void> = Promise.resolve();
  private lastStreamId = 0;
  closed = false;

  constructor(socket: Duplex) {
    super();
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => this.onBytes(chunk));
    socket.on('close', () => this.shutDown());
    socket.on('end', () => this.shutDown());
    socket.on('error', () => this.shutDown());
  }

  /** Writes a frame now (frames are written in the order they are made). */
  send(frame: Buffer): void {
    if (!this.closed) this.socket.write(frame);
  }

  /** Says GOAWAY and closes the connection. */
  close(): void {
    this.send(encodeControlFrame(FrameType.goAway, 0, goAwayBody(this.lastStreamId)));
    this.socket.end();
    this.shutDown();
  }

  private onBytes(chunk: Buffer): void {
    let frames: Frame[];
    try {
      frames = this.reader.push(chunk);
    } catch {
      this.socket.destroy();
      return;
    }
    for (const frame of frames) {
      // Header blocks share one decompression context: frames are handled strictly in order.
      this.queue = this.queue.then(() => this.onFrame(frame)).catch(() => void this.socket.destroy());
    }
  }

  private async onFrame(frame: Frame): Promise<void> {
    if (this.closed) return;
    if (frame.kind === 'data') {
      this.streams.get(frame.streamId)?.receive(frame.data, (frame.flags & FLAG_FIN) !== 0);
      return;
    }
    const { type, body, flags } = frame;
    if (type === FrameType.synStream) return this.onSynStream(body, flags);
    if (type === FrameType.rstStream) this.streams.get(streamIdAt(body))?.markClosed();
    if (type === FrameType.ping) this.send(encodeControlFrame(FrameType.ping, 0, body));
    if (type === FrameType.goAway) this.shutDown();
    if (type === FrameType.headers) {
      // Trailing headers carry nothing kubectl uses, but their block must still pass through the inflater.
      await this.decompress(body.subarray(headerBlockOffset(type)));
      if ((flags & FLAG_FIN) !== 0) this.streams.get(streamIdAt(body))?.receive(Buffer.alloc(0), true);
    }
    // SETTINGS and WINDOW_UPDATE: nothing to do without flow control.
  }

  private async onSynStream(body: Buffer, flags: number): Promise<void> {
    const id = streamIdAt(body);
    const headers = decodeHeaderBlock(await this.decompress(body.subarray(headerBlockOffset(FrameType.synStream))));
    const stream = new SpdyStream(this, id, headers);
    stream.on('close', () => this.streams.delete(id));
    this.streams.set(id, stream);
    this.lastStreamId = Math.max(this.lastStreamId, id);
    const reply = await this.compress(encodeHeaderBlock({}));
    this.send(encodeControlFrame(FrameType.synReply, 0, synReplyBody(id, reply)));
    this.emit('stream', stream);
    if ((flags & FLAG_FIN) !== 0) stream.receive(Buffer.alloc(0), true);
  }

  private decompress(block: Buffer): Promise<Buffer> {
    return runZlib(this.inflate, block);
  }

  private compress(block: Buffer): Promise<Buffer> {
    return runZlib(this.deflate, block);
  }

  private shutDown(): void {
    if (this.closed) return;
    this.closed = true;
    for (const stream of [...this.streams.values()]) stream.markClosed();
    this.streams.clear();
    this.inflate.close();
    this.deflate.close();
    if (!this.socket.destroyed) this.socket.destroy();
    this.emit('close');
  }
}

/** Feeds one block through a long-lived zlib stream and returns what it gives back after a sync flush. */
export function runZlib(stream: Inflate | Deflate, input: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const collect = (chunk: Buffer): void => void chunks.push(chunk);
    const fail = (error: Error): void => {
      stream.off('data', collect);
      reject(error);
    };
    stream.on('data', collect);
    stream.once('error', fail);
    stream.write(input);
    stream.flush(constants.Z_SYNC_FLUSH, () => {
      // Output pushed while the flush ran may still be on its way as 'data' (emitted on the next tick).
      setImmediate(() => {
        stream.off('data', collect);
        stream.off('error', fail);
        resolve(Buffer.concat(chunks));
      });
    });
  });
}
