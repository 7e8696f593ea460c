import { ConnectionError } from './connection-error.ts';
import { DEFAULT_MAX_FRAME_SIZE, DEFAULT_WINDOW, ErrorCode, MAX_FRAME_SIZE_LIMIT, MAX_WINDOW, Setting } from './frames.ts';

/** The client's SETTINGS (RFC 9113, 6.5.2) as far as they bind what this server sends. */
export class PeerSettings {
  maxFrameSize = DEFAULT_MAX_FRAME_SIZE;
  initialWindow = DEFAULT_WINDOW;
  /** The client set its HPACK table size: the next header block starts with a size update. */
  tableSizeUpdate = false;

  /** Applies one SETTINGS frame's payload; calls `windowDelta` when the initial stream window changes. */
  apply(payload: Buffer, windowDelta: (delta: number) => void): void {
    if (payload.length % 6 !== 0) throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, 'SETTINGS is not a multiple of 6 octets');
    for (let offset = 0; offset < payload.length; offset += 6) {
      const value = payload.readUInt32BE(offset + 2);
      switch (payload.readUInt16BE(offset)) {
        case Setting.HEADER_TABLE_SIZE:
          // Answers never use the client's dynamic table; a size update to 0 is always within its new limit.
          this.tableSizeUpdate = true;
          break;
        case Setting.ENABLE_PUSH:
          if (value > 1) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, 'SETTINGS_ENABLE_PUSH is not 0 or 1');
          break;
        case Setting.INITIAL_WINDOW_SIZE:
          if (value > MAX_WINDOW) throw new ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, 'SETTINGS_INITIAL_WINDOW_SIZE above 2^31-1');
          windowDelta(value - this.initialWindow);
          this.initialWindow = value;
          break;
        case Setting.MAX_FRAME_SIZE:
          if (value < DEFAULT_MAX_FRAME_SIZE || value > MAX_FRAME_SIZE_LIMIT) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, `SETTINGS_MAX_FRAME_SIZE ${value} is out of range`);
          this.maxFrameSize = value;
          break;
        default:
        // MAX_CONCURRENT_STREAMS limits pushes, which this server never makes; unknown settings are ignored.
      }
    }
  }
}
