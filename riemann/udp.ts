/**
 * The Riemann UDP listener: one datagram is one protobuf `Msg` (no length
 * prefix), handled like a TCP message, and no reply is ever sent (Riemann's
 * `udp-handler` discards it). Datagrams over the size limit are dropped and
 * counted, as Riemann drops what fails to parse after truncation.
 */
import dgram from "node:dgram";
import { isIPv6 } from "node:net";
import type { RiemannHandler } from "./handler.ts";

/** Riemann's default largest datagram, bytes. */
export const DEFAULT_MAX_DATAGRAM_BYTES = 16_384;

/** Settings of `listenUdp`. */
export interface UdpListenOptions {
  readonly host: string;
  readonly port: number;
  /** Datagrams longer than this are dropped. */
  readonly maxDatagramBytes: number;
  /** Kernel receive buffer size (SO_RCVBUF), bytes; unset keeps the system default. */
  readonly receiveBufferBytes?: number | undefined;
}

/**
 * Binds a UDP socket that feeds each datagram to `handler` and resolves
 * with it once bound (rejects if binding fails). Errors after binding are
 * counted in `handler.stats.socketErrors`.
 *
 * @example
 * const socket = await listenUdp(handler, { host: "127.0.0.1", port: 5555, maxDatagramBytes: 16384 });
 * socket.address().port;
 */
export function listenUdp(handler: RiemannHandler, options: UdpListenOptions): Promise<dgram.Socket> {
  const stats = handler.stats;
  const socket = dgram.createSocket({ type: isIPv6(options.host) ? "udp6" : "udp4", recvBufferSize: options.receiveBufferBytes });
  socket.on("message", (datagram: Buffer) => {
    stats.datagrams++;
    if (datagram.length > options.maxDatagramBytes) {
      stats.datagramsTooLarge++;
      return;
    }
    handler.handle(datagram);
  });
  return new Promise((resolve, reject) => {
    const onBindError = (err: Error): void => {
      try {
        socket.close();
      } catch {
        // never bound: nothing to close
      }
      reject(err);
    };
    socket.once("error", onBindError);
    socket.bind(options.port, options.host, () => {
      socket.off("error", onBindError);
      socket.on("error", () => {
        stats.socketErrors++;
      });
      resolve(socket);
    });
  });
}
