/**
 * One Riemann TCP (or TLS) connection: frames in, replies out, in order.
 * Each frame is handled synchronously as it is cut from the stream, so
 * pipelined requests are answered in the order they came, and the replies
 * produced by one received chunk leave in one write. A client that stops
 * reading replies stops being read (backpressure) instead of growing our
 * buffers. An oversized length prefix gets an error reply and the
 * connection is closed, since framing can no longer be trusted.
 */
import type { Socket } from "node:net";
import { encodeFrame, FrameDecoder } from "./framing.ts";
import type { RiemannHandler } from "./handler.ts";
import { encodeMsg } from "./schema.ts";

/** Limits applied to each connection. */
export interface ConnectionLimits {
  /** Largest frame body accepted, in bytes. */
  readonly maxFrameBytes: number;
  /** How long a closing connection may take to finish before it is destroyed, ms. */
  readonly closeGraceMs: number;
}

/**
 * Ends `socket` after writing `frame` (if any), destroying it when the peer
 * has not closed within `graceMs`.
 *
 * @example
 * closeWith(socket, errorFrame("too many connections"), 1000);
 */
export function closeWith(socket: Socket, frame: Buffer | undefined, graceMs: number): void {
  if (frame !== undefined) socket.end(frame);
  else socket.end();
  const timer = setTimeout(() => socket.destroy(), graceMs);
  timer.unref();
  socket.once("close", () => clearTimeout(timer));
}

/**
 * A length-prefixed `{ok: false, error}` reply.
 *
 * @example
 * socket.write(errorFrame("frame too large"));
 */
export function errorFrame(error: string): Buffer {
  return encodeFrame(encodeMsg({ ok: false, error }));
}

/**
 * Serves Riemann requests on an accepted, connected socket until it closes.
 * Socket errors are counted in `handler.stats.socketErrors`, never thrown.
 *
 * @example
 * net.createServer((socket) => serveConnection(socket, handler, { maxFrameBytes: 16 << 20, closeGraceMs: 1000 }));
 */
export function serveConnection(socket: Socket, handler: RiemannHandler, limits: ConnectionLimits): void {
  const stats = handler.stats;
  socket.setNoDelay(true);
  // Replies to the frames of one received chunk, written together after it.
  const replies: Buffer[] = [];
  let replyBytes = 0;
  const flush = (): void => {
    if (replies.length === 0) return;
    socket.write(replies.length === 1 ? replies[0]! : Buffer.concat(replies, replyBytes));
    replies.length = 0;
    replyBytes = 0;
  };
  const decoder = new FrameDecoder(limits.maxFrameBytes, {
    onFrame(frame) {
      const reply = handler.handleFrame(frame);
      replies.push(reply);
      replyBytes += reply.length;
      if (replyBytes >= 65_536) flush();
    },
    onOversize(length, limit) {
      flush();
      stats.framesTooLarge++;
      closeWith(socket, errorFrame(`frame of ${length} bytes is over the limit of ${limit} bytes; closing the connection`), limits.closeGraceMs);
    },
  });
  socket.on("data", (chunk: Buffer) => {
    decoder.push(chunk);
    flush();
    if (socket.writableNeedDrain && !decoder.stopped) {
      socket.pause();
      socket.once("drain", () => socket.resume());
    }
  });
  socket.on("error", () => {
    stats.socketErrors++;
  });
}
