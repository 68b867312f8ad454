/**
 * Riemann's TCP framing: each message is a 4-byte big-endian length followed
 * by that many bytes of protobuf. `FrameDecoder` cuts a byte stream (any
 * chunking, any number of frames per chunk) into frames without copying
 * when a frame lies inside one chunk, and refuses a length over its limit
 * before buffering a byte of it. `encodeFrame` adds the prefix.
 */

/** Bytes in the length prefix. */
export const LENGTH_PREFIX_BYTES = 4;

/** Callbacks of a `FrameDecoder`. */
export interface FrameSink {
  /** Receives each complete frame body (a view into the received bytes, valid until the call returns unless copied). */
  onFrame(frame: Buffer): void;
  /** Called once when a length prefix exceeds the limit; the decoder then stops. */
  onOversize(length: number, limit: number): void;
}

/**
 * Splits a stream of chunks into length-prefixed frames.
 *
 * - Frames are delivered in order, synchronously, from `push`.
 * - A partial frame is buffered until complete; buffered chunks are joined
 *   once, when enough bytes have arrived (linear in the frame size).
 * - A prefix announcing more than `maxFrameBytes` calls `onOversize` and
 *   stops the decoder for good (framing is lost: the caller closes the
 *   connection); later pushes are ignored.
 *
 * @example
 * const decoder = new FrameDecoder(16 * 1024 * 1024, { onFrame: (f) => reply(handle(f)), onOversize: () => socket.end() });
 * socket.on("data", (chunk) => decoder.push(chunk));
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Bytes needed before parsing can make progress again. */
  private wanted = LENGTH_PREFIX_BYTES;
  private stoppedFlag = false;

  constructor(
    private readonly maxFrameBytes: number,
    private readonly sink: FrameSink,
  ) {}

  /** True once an oversized prefix (or `stop`) ended decoding. */
  get stopped(): boolean {
    return this.stoppedFlag;
  }

  /** Bytes held waiting for the rest of a frame. */
  get pendingBytes(): number {
    return this.buffered;
  }

  /** Stops decoding: later pushes, and frames left in the current push, are ignored. */
  stop(): void {
    this.stoppedFlag = true;
    this.chunks = [];
    this.buffered = 0;
  }

  /** Feeds received bytes; complete frames go to `sink.onFrame` before this returns. */
  push(chunk: Buffer): void {
    if (this.stoppedFlag || chunk.length === 0) return;
    let buf: Buffer;
    if (this.buffered === 0) {
      buf = chunk;
    } else {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
      if (this.buffered < this.wanted) return;
      buf = Buffer.concat(this.chunks, this.buffered);
      this.chunks = [];
      this.buffered = 0;
    }
    let offset = 0;
    const end = buf.length;
    for (;;) {
      if (end - offset < LENGTH_PREFIX_BYTES) {
        this.wanted = LENGTH_PREFIX_BYTES;
        break;
      }
      const length = buf.readUInt32BE(offset);
      if (length > this.maxFrameBytes) {
        this.stop();
        this.sink.onOversize(length, this.maxFrameBytes);
        return;
      }
      const frameEnd = offset + LENGTH_PREFIX_BYTES + length;
      if (frameEnd > end) {
        this.wanted = LENGTH_PREFIX_BYTES + length;
        break;
      }
      this.sink.onFrame(buf.subarray(offset + LENGTH_PREFIX_BYTES, frameEnd));
      if (this.stoppedFlag) return;
      offset = frameEnd;
    }
    if (offset < end) {
      this.chunks.push(offset === 0 ? buf : buf.subarray(offset));
      this.buffered = end - offset;
    }
  }
}

/**
 * `body` with its 4-byte big-endian length prefix, in one new buffer.
 *
 * @example
 * socket.write(encodeFrame(encodeMsg({ ok: true })));
 */
export function encodeFrame(body: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(LENGTH_PREFIX_BYTES + body.length);
  frame.writeUInt32BE(body.length, 0);
  frame.set(body, LENGTH_PREFIX_BYTES);
  return frame;
}
