// A minimal SPDY/3.1 client end for the unit tests of the kubelet's streaming server: opens streams the way
// kubectl's SPDY library does (SYN_STREAM with compressed headers, data frames, FIN) and collects what the
// server sends back per stream.
import type { Duplex } from 'node:stream';
import { createDeflate, createInflate } from 'node:zlib';
import {
  FLAG_FIN,
  FrameReader,
  FrameType,
  HEADER_DICTIONARY,
  decodeHeaderBlock,
  encodeControlFrame,
  encodeDataFrame,
  encodeHeaderBlock,
  headerBlockOffset,
  streamIdAt,
} from './spdy-frames.ts';
import type { Frame } from './spdy-frames.ts';
import { runZlib } from './spdy-session.ts';

export interface ClientStream {
  replied: boolean;
  data: Buffer[];
  ended: boolean;
  reset: boolean;
}

export class TestSpdyClient {
  readonly streams = new Map<number, ClientStream>();
  readonly pings: number[] = [];
  private readonly socket: Duplex;
  private readonly reader = new FrameReader();
  private readonly deflate = createDeflate({ dictionary: HEADER_DICTIONARY });
  private readonly inflate = createInflate({ dictionary: HEADER_DICTIONARY });
  private nextId = 1;
  private queue: Promise<void> = Promise.resolve();
  private waiters: Array<() => void> = [];

  constructor(socket: Duplex) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      for (const frame of this.reader.push(chunk)) this.queue = this.queue.then(() => this.onFrame(frame));
    });
  }

  async open(headers: Record<string, string>, fin = false): Promise<number> {
    const id = this.nextId;
    this.nextId += 2;
    this.streams.set(id, { replied: false, data: [], ended: false, reset: false });
    const block = await runZlib(this.deflate, encodeHeaderBlock(headers));
    const ids = Buffer.alloc(10);
    ids.writeUInt32BE(id, 0);
    this.socket.write(encodeControlFrame(FrameType.synStream, fin ? FLAG_FIN : 0, Buffer.concat([ids, block])));
    return id;
  }

  write(id: number, data: Buffer, fin = false): void {
    this.socket.write(encodeDataFrame(id, data, fin));
  }

  ping(id: number): void {
    const body = Buffer.alloc(4);
    body.writeUInt32BE(id);
    this.socket.write(encodeControlFrame(FrameType.ping, 0, body));
  }

  /** Resolves once `check` holds (checked after every frame). */
  async until(check: () => boolean): Promise<void> {
    while (!check()) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  text(id: number): string {
    return Buffer.concat(this.streams.get(id)?.data ?? []).toString('utf8');
  }

  close(): void {
    this.deflate.close();
    this.inflate.close();
    this.socket.destroy();
  }

  private async onFrame(frame: Frame): Promise<void> {
    if (frame.kind === 'data') {
      const stream = this.streams.get(frame.streamId);
      if (stream) {
        stream.data.push(frame.data);
        if ((frame.flags & FLAG_FIN) !== 0) stream.ended = true;
      }
    } else if (frame.type === FrameType.synReply) {
      decodeHeaderBlock(await runZlib(this.inflate, frame.body.subarray(headerBlockOffset(frame.type))));
      const stream = this.streams.get(streamIdAt(frame.body));
      if (stream) stream.replied = true;
    } else if (frame.type === FrameType.rstStream) {
      const stream = this.streams.get(streamIdAt(frame.body));
      if (stream) stream.reset = true;
    } else if (frame.type === FrameType.ping) {
      this.pings.push(frame.body.readUInt32BE(0));
    }
    for (const wake of this.waiters.splice(0)) wake();
  }
}
