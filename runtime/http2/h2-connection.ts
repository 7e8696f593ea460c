import type { Socket } from 'node:net';
import { ConnectionError } from './connection-error.ts';
import { FloodGuard } from './flood-guard.ts';
import {
  DEFAULT_WINDOW, ErrorCode, Flags, FrameType, frame, goAwayFrame, MAX_WINDOW, rstStreamFrame, Setting, SETTINGS_ACK, settingsFrame,
  windowUpdateFrame,
} from './frames.ts';
import { FrameOutput } from './frame-output.ts';
import { FrameReader } from './frame-reader.ts';
import { PeerSettings } from './peer-settings.ts';
import { HeaderBlockAssembler, type CompletedBlock } from './header-block.ts';
import { Outbound } from './outbound.ts';
import { ReceiveWindow } from './receive-window.ts';
import { requestHeaders, trailersMalformation } from './request-headers.ts';
import { H2Stream, type StreamHost } from './h2-stream.ts';

/**
 * One HTTP/2 connection with prior knowledge (h2c, as gRPC clients speak to a server inside a cluster), server
 * side: the preface and settings, request streams, both directions of flow control, and the connection-level
 * rules of RFC 9113. What the server sends is gathered per event-loop turn and written once: every answer
 * finished in one turn, its headers, data and trailers, leaves in one socket write.
 *
 * Written for the gRPC listener in place of `node:http2`, whose per-stream machinery (a Duplex per call,
 * header objects, write and shutdown requests, trailers a turn later) cost about as much server CPU per
 * call as the rest of a tiny model's inference together; measured in bench/README.md, ADR 0004.
 */

export interface ConnectionOptions {
  maxConcurrentStreams: number;
  maxHeaderListBytes: number;
  /** The receive window offered for the connection, and per stream unless `streamReceiveWindow` (>= 65,535) is. */
  receiveWindow: number;
  streamReceiveWindow?: number;
  onStream(stream: H2Stream, connection: H2Connection): void;
  onClose(connection: H2Connection): void;
  /** An exception thrown by a handler: the connection ends with INTERNAL_ERROR. */
  onUnexpected(error: unknown): void;
}

/** Control answers (PING and SETTINGS acknowledgements) are refused once this much output is unread. */
const MAX_UNREAD_OUTPUT_BYTES = 4 * 1024 * 1024;
/** Streams this server reset, remembered so that frames the client sent before it knew are ignored. */
const REMEMBERED_RESETS = 64;
/** After this server ends a connection, the client has this long to close its side before the socket is destroyed. */
const END_GRACE_MS = 5000;

export class H2Connection implements StreamHost {
  readonly socket: Socket;
  readonly #options: ConnectionOptions;
  readonly #streams = new Map<number, H2Stream>();
  readonly #headerBlocks: HeaderBlockAssembler;
  readonly #resets = new FloodGuard(1000, 100);
  readonly #controlFrames = new FloodGuard(10_000, 5_000);
  readonly #resetByUs: number[] = [];
  readonly #reader = new FrameReader();
  readonly #output: FrameOutput;
  readonly #peer = new PeerSettings();
  #settingsSeen = false;
  #lastStreamId = 0;
  /** Set once GOAWAY is sent: streams above it are refused, and the socket ends when the rest finish. */
  #goAwayLastId: number | undefined;
  #closed = false;
  readonly #outbound: Outbound;
  readonly #receiveWindow: ReceiveWindow;

  constructor(socket: Socket, options: ConnectionOptions) {
    this.socket = socket;
    this.#options = options;
    this.#headerBlocks = new HeaderBlockAssembler(options.maxHeaderListBytes);
    this.#receiveWindow = new ReceiveWindow(options.receiveWindow);
    this.#output = new FrameOutput(socket);
    this.#outbound = new Outbound(this.#output, this.#peer, (stream) => this.#endFramed(stream));
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onSocketData(chunk));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.#onSocketClose());
    this.#output.queue(
      settingsFrame([
        [Setting.MAX_CONCURRENT_STREAMS, options.maxConcurrentStreams],
        [Setting.INITIAL_WINDOW_SIZE, options.streamReceiveWindow ?? options.receiveWindow],
        [Setting.MAX_HEADER_LIST_SIZE, options.maxHeaderListBytes],
        [Setting.ENABLE_PUSH, 0],
      ]),
    );
    if (options.receiveWindow > DEFAULT_WINDOW) this.#output.queue(windowUpdateFrame(0, options.receiveWindow - DEFAULT_WINDOW));
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** GOAWAY with NO_ERROR: streams already begun run to their end, then the socket ends. */
  close(): void {
    if (this.#closed) return;
    if (this.#goAwayLastId === undefined) {
      this.#goAwayLastId = this.#lastStreamId;
      this.#output.queue(goAwayFrame(this.#lastStreamId, ErrorCode.NO_ERROR));
    }
    this.#endIfDone();
  }

  destroy(): void {
    this.socket.destroy();
  }

  // StreamHost: what streams send.

  sendHeaderBlock(stream: H2Stream, block: Buffer, endStream: boolean): void {
    this.#outbound.headerBlock(stream, block, endStream);
  }

  sendData(stream: H2Stream, data: Buffer, trailers: Buffer | undefined): void {
    this.#outbound.data(stream, data, trailers);
  }

  resetStream(stream: H2Stream, code: number): void {
    this.#output.queue(rstStreamFrame(stream.id, code));
    this.#rememberReset(stream.id);
    this.#remove(stream);
  }

  openReceiveWindow(stream: H2Stream, increment: number): void {
    if (this.#streams.get(stream.id) === stream) this.#output.queue(windowUpdateFrame(stream.id, increment));
  }

  // Reading.

  #onSocketData(chunk: Buffer): void {
    if (this.#closed) return;
    this.#output.reading = true;
    try {
      this.#reader.push(chunk, this.#onFrame, this.#open);
    } catch (error) {
      if (error instanceof ConnectionError) this.#fail(error.code, error.message);
      else {
        this.#fail(ErrorCode.INTERNAL_ERROR, 'internal error');
        this.#options.onUnexpected(error);
      }
    } finally {
      this.#output.reading = false;
      this.#output.flush();
    }
  }

  readonly #onFrame = (type: number, flags: number, streamId: number, payload: Buffer): void => this.#frame(type, flags, streamId, payload);
  readonly #open = (): boolean => !this.#closed;

  #frame(type: number, flags: number, streamId: number, payload: Buffer): void {
    if (!this.#settingsSeen) {
      if (type !== FrameType.SETTINGS || (flags & Flags.ACK) !== 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, 'the first frame is not SETTINGS');
      this.#settingsSeen = true;
    }
    if (this.#headerBlocks.inProgress && type !== FrameType.CONTINUATION) {
      throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, 'a header block is interrupted by another frame');
    }
    switch (type) {
      case FrameType.DATA:
        return this.#onData(flags, streamId, payload);
      case FrameType.HEADERS:
      case FrameType.CONTINUATION: {
        const block = type === FrameType.HEADERS ? this.#headerBlocks.headers(flags, streamId, payload) : this.#headerBlocks.continuation(flags, streamId, payload);
        if (block !== undefined) this.#onHeaderBlock(block);
        return;
      }
      case FrameType.PRIORITY:
        return this.#onPriority(streamId, payload);
      case FrameType.RST_STREAM:
        return this.#onRstStream(streamId, payload);
      case FrameType.SETTINGS:
        return this.#onSettings(flags, streamId, payload);
      case FrameType.PUSH_PROMISE:
        throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, 'a client may not send PUSH_PROMISE');
      case FrameType.PING:
        return this.#onPing(flags, streamId, payload);
      case FrameType.GOAWAY:
        if (streamId !== 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, 'GOAWAY on a stream');
        return;
      case FrameType.WINDOW_UPDATE:
        return this.#onWindowUpdate(streamId, payload);
      default:
        // Unknown frame types are ignored (RFC 9113, 4.1), within the control-frame rate.
        if (!this.#controlFrames.take(1)) throw new ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, 'too many frames of unknown types');
    }
  }

  #onData(flags: number, streamId: number, payload: Buffer): void {
    if (streamId === 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, 'DATA on stream 0');
    // The whole frame, padding included, counts against the windows (RFC 9113, 6.9.1).
    if (!this.#receiveWindow.take(payload.length)) throw new ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, 'DATA beyond the connection window');
    const increment = this.#receiveWindow.release();
    if (increment > 0) this.#output.queue(windowUpdateFrame(0, increment));
    const data = withoutPadding(flags, payload);
    const stream = this.#streams.get(streamId);
    if (stream === undefined) return this.#onFrameForClosedStream(streamId, 'DATA');
    if (stream.remoteEnded) return this.#streamError(stream, ErrorCode.STREAM_CLOSED);
    if (!stream.receiveWindow.take(payload.length)) return this.#streamError(stream, ErrorCode.FLOW_CONTROL_ERROR);
    stream.bodyBytes += data.length;
    const endStream = (flags & Flags.END_STREAM) !== 0;
    if (data.length > 0) stream.onData?.(data);
    else if (!endStream && !this.#controlFrames.take(1)) throw new ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, 'too many empty frames');
    // The handler may have answered and closed the stream.
    if (this.#streams.get(streamId) !== stream) return;
    if (endStream) return this.#remoteEnd(stream);
    const streamIncrement = stream.receiveWindow.release();
    if (streamIncrement > 0) this.#output.queue(windowUpdateFrame(stream.id, streamIncrement));
  }

  #onHeaderBlock(block: CompletedBlock): void {
    const existing = this.#streams.get(block.streamId);
    if (existing !== undefined) return this.#onTrailers(existing, block);
    // Trailers sent before the client saw this server's RST_STREAM are ignored (RFC 9113, 5.1); decoded all the same.
    if (this.#resetByUs.includes(block.streamId)) return;
    if (block.streamId <= this.#lastStreamId) throw new ConnectionError(ErrorCode.STREAM_CLOSED, `HEADERS on closed stream ${block.streamId}`);
    if (block.streamId % 2 === 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, `a client stream with the even identifier ${block.streamId}`);
    this.#lastStreamId = block.streamId;
    const refusal = this.#goAwayLastId === undefined ? this.#refusal(block) : ErrorCode.REFUSED_STREAM;
    if (refusal !== undefined) return this.#refuse(block.streamId, refusal);
    const headers = requestHeaders(block.fields);
    if (typeof headers === 'string') return this.#refuse(block.streamId, ErrorCode.PROTOCOL_ERROR);
    const stream = new H2Stream(this, block.streamId, headers, this.#peer.initialWindow, new ReceiveWindow(this.#options.streamReceiveWindow ?? this.#options.receiveWindow));
    this.#streams.set(stream.id, stream);
    this.#options.onStream(stream, this);
    if (block.endStream && this.#streams.get(stream.id) === stream) this.#remoteEnd(stream);
  }

  /** Why a new stream is refused at once, if it is. */
  #refusal(block: CompletedBlock): number | undefined {
    if (block.selfDependent) return ErrorCode.PROTOCOL_ERROR;
    // Over the header list limit: ENHANCE_YOUR_CALM, which gRPC clients report as RESOURCE_EXHAUSTED.
    if (block.oversize) return ErrorCode.ENHANCE_YOUR_CALM;
    if (this.#streams.size >= this.#options.maxConcurrentStreams) return ErrorCode.REFUSED_STREAM;
    return undefined;
  }

  /** A stream reset at its headers; counted with the client's resets, which a client over the limit forces as fast. */
  #refuse(streamId: number, code: number): void {
    if (!this.#resets.take(1)) throw new ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, 'too many streams reset or refused');
    this.#output.queue(rstStreamFrame(streamId, code));
    this.#rememberReset(streamId);
  }

  #onTrailers(stream: H2Stream, block: CompletedBlock): void {
    if (stream.remoteEnded) return this.#streamError(stream, ErrorCode.STREAM_CLOSED);
    if (!block.endStream || block.oversize || trailersMalformation(block.fields) !== undefined) return this.#streamError(stream, ErrorCode.PROTOCOL_ERROR);
    this.#remoteEnd(stream);
  }

  #remoteEnd(stream: H2Stream): void {
    const declared = stream.headers['content-length'];
    if (declared !== undefined && Number(declared) !== stream.bodyBytes) return this.#streamError(stream, ErrorCode.PROTOCOL_ERROR);
    stream.remoteEnd();
    if (stream.endFramed) this.#remove(stream);
  }

  #onPriority(streamId: number, payload: Buffer): void {
    if (streamId === 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, 'PRIORITY on stream 0');
    if (!this.#controlFrames.take(1)) throw new ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, 'too many PRIORITY frames');
    const selfDependent = payload.length === 5 && (payload.readUInt32BE(0) & 0x7fffffff) === streamId;
    const code = payload.length !== 5 ? ErrorCode.FRAME_SIZE_ERROR : selfDependent ? ErrorCode.PROTOCOL_ERROR : undefined;
    if (code === undefined) return;
    const stream = this.#streams.get(streamId);
    if (stream !== undefined) this.#streamError(stream, code);
    else this.#output.queue(rstStreamFrame(streamId, code));
  }

  #onRstStream(streamId: number, payload: Buffer): void {
    if (streamId === 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, 'RST_STREAM on stream 0');
    if (payload.length !== 4) throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, 'RST_STREAM is not 4 octets');
    if (streamId > this.#lastStreamId) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, `RST_STREAM on idle stream ${streamId}`);
    if (!this.#resets.take(1)) throw new ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, 'too many streams reset or refused');
    const stream = this.#streams.get(streamId);
    if (stream === undefined) return;
    this.#remove(stream);
    stream.abort();
  }

  #onSettings(flags: number, streamId: number, payload: Buffer): void {
    if (streamId !== 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, 'SETTINGS on a stream');
    if ((flags & Flags.ACK) !== 0) {
      if (payload.length !== 0) throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, 'a SETTINGS acknowledgement with a payload');
      return;
    }
    this.#peer.apply(payload, (delta) => {
      for (const stream of this.#streams.values()) {
        stream.sendWindow += delta;
        if (stream.sendWindow > MAX_WINDOW) throw new ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, 'a stream window above 2^31-1');
      }
    });
    this.#controlAnswer(SETTINGS_ACK);
    this.#outbound.resumeAll();
  }

  #onPing(flags: number, streamId: number, payload: Buffer): void {
    if (streamId !== 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, 'PING on a stream');
    if (payload.length !== 8) throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, 'PING is not 8 octets');
    if ((flags & Flags.ACK) === 0) this.#controlAnswer(frame(FrameType.PING, Flags.ACK, 0, payload));
  }

  #onWindowUpdate(streamId: number, payload: Buffer): void {
    if (payload.length !== 4) throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, 'WINDOW_UPDATE is not 4 octets');
    const increment = payload.readUInt32BE(0) & 0x7fffffff;
    if (streamId === 0) {
      if (increment === 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, 'a WINDOW_UPDATE of 0');
      return this.#outbound.growConnectionWindow(increment);
    }
    if (streamId > this.#lastStreamId) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, `WINDOW_UPDATE on idle stream ${streamId}`);
    const stream = this.#streams.get(streamId);
    if (stream === undefined) return;
    if (increment === 0) return this.#streamError(stream, ErrorCode.PROTOCOL_ERROR);
    stream.sendWindow += increment;
    if (stream.sendWindow > MAX_WINDOW) return this.#streamError(stream, ErrorCode.FLOW_CONTROL_ERROR);
    this.#outbound.resume(stream);
  }

  /** DATA for a stream no longer open: ignored if this server reset it, STREAM_CLOSED otherwise. */
  #onFrameForClosedStream(streamId: number, what: string): void {
    if (this.#resetByUs.includes(streamId)) return;
    if (streamId > this.#lastStreamId) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, `${what} on idle stream ${streamId}`);
    this.#output.queue(rstStreamFrame(streamId, ErrorCode.STREAM_CLOSED));
    this.#rememberReset(streamId);
  }

  #streamError(stream: H2Stream, code: number): void {
    if (stream.isReset) return;
    this.resetStream(stream, code);
    stream.abort();
  }

  // Sending.

  #endFramed(stream: H2Stream): void {
    if (stream.remoteEnded) this.#remove(stream);
    else {
      // The answer is complete while the request still arrives: tell the client to stop sending (RFC 9113, 8.1).
      this.#output.queue(rstStreamFrame(stream.id, ErrorCode.NO_ERROR));
      this.#rememberReset(stream.id);
      this.#remove(stream);
    }
  }

  #remove(stream: H2Stream): void {
    if (!this.#streams.delete(stream.id)) return;
    this.#outbound.forget(stream);
    stream.forgotten();
    this.#endIfDone();
  }

  #rememberReset(streamId: number): void {
    this.#resetByUs.push(streamId);
    if (this.#resetByUs.length > REMEMBERED_RESETS) this.#resetByUs.shift();
  }

  #controlAnswer(answer: Buffer): void {
    if (!this.#controlFrames.take(1) || this.socket.writableLength > MAX_UNREAD_OUTPUT_BYTES) {
      throw new ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, 'too many control frames');
    }
    this.#output.queue(answer);
  }

  #endIfDone(): void {
    if (this.#goAwayLastId === undefined || this.#streams.size > 0 || this.#closed) return;
    this.#endSocket();
  }

  /** Ends this side; a client that does not close its side within the grace is cut off. */
  #endSocket(): void {
    if (this.socket.writableEnded) return;
    this.#output.flush();
    this.socket.end();
    setTimeout(() => this.socket.destroy(), END_GRACE_MS).unref();
  }

  #fail(code: number, message: string): void {
    if (this.#closed) return;
    this.#output.queue(goAwayFrame(this.#lastStreamId, code, message));
    this.#goAwayLastId = this.#lastStreamId;
    this.#endSocket();
    this.#onSocketClose();
  }

  #onSocketClose(): void {
    if (this.#closed) return;
    this.#closed = true;
    const streams = [...this.#streams.values()];
    this.#streams.clear();
    for (const stream of streams) this.#outbound.forget(stream);
    for (const stream of streams) stream.abort();
    for (const stream of streams) stream.forgotten();
    this.#options.onClose(this);
  }
}

function withoutPadding(flags: number, payload: Buffer): Buffer {
  if ((flags & Flags.PADDED) === 0) return payload;
  const padding = payload[0];
  if (padding === undefined || padding >= payload.length) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, 'padding as long as the frame');
  return payload.subarray(1, payload.length - padding);
}
