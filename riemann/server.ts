/**
 * The Riemann protocol server: TCP and UDP on one port (5555 by default),
 * and optionally TLS on its own port (5554, as Riemann), all feeding one
 * `RiemannHandler` and sharing one set of counters. Options get their
 * defaults and are validated in one place (`resolveRiemannOptions`), with
 * errors that name the field.
 */
import net from "node:net";
import tls from "node:tls";
import type dgram from "node:dgram";
import { closeWith, errorFrame, serveConnection, type ConnectionLimits } from "./connection.ts";
import { DEFAULT_MAX_QUERY_EVENTS, newRiemannStats, RiemannHandler, type RiemannEngine, type RiemannStats } from "./handler.ts";
import { DEFAULT_MAX_DATAGRAM_BYTES, listenUdp } from "./udp.ts";

/** TLS listener settings (PEM strings or buffers). */
export interface RiemannTlsOptions {
  /** Port of the TLS listener. Default 5554 (Riemann's TLS port); 0 picks a free one. */
  readonly port?: number;
  /** The server's private key. Required. */
  readonly key: string | Buffer;
  /** The server's certificate (chain). Required. */
  readonly cert: string | Buffer;
  /** CA certificate(s) that sign acceptable client certificates. Required when `requireClientCert`. */
  readonly ca?: string | Buffer;
  /**
   * Refuse clients without a certificate signed by `ca`. Default false.
   * Differs from Riemann, which always requires client certificates.
   */
  readonly requireClientCert?: boolean;
}

/** Settings of `startRiemannServer`; everything but `engine` has a default. */
export interface RiemannServerOptions {
  /** Where events go and queries are answered. */
  readonly engine: RiemannEngine;
  /** Address to bind. Default "127.0.0.1". */
  readonly host?: string;
  /** Port of TCP and UDP. Default 5555. With 0, TCP picks a free port and UDP binds the same number. */
  readonly port?: number;
  /** Run the plain TCP listener. Default true. */
  readonly tcp?: boolean;
  /** Run the UDP listener. Default true. */
  readonly udp?: boolean;
  /** Run a TLS listener too. Default: none. */
  readonly tls?: RiemannTlsOptions;
  /** Largest TCP frame body, bytes; a larger length prefix closes the connection. Default 16 MiB. */
  readonly maxFrameBytes?: number;
  /** Most TCP + TLS connections open at once; more are refused. Default 1024. */
  readonly maxConnections?: number;
  /** Largest UDP datagram, bytes; larger ones are dropped. Default 16384 (Riemann's). */
  readonly maxDatagramBytes?: number;
  /** UDP receive buffer (SO_RCVBUF), bytes. Default: the system's. */
  readonly udpReceiveBufferBytes?: number;
  /** Most events one query may return. Default 100,000. */
  readonly maxQueryEvents?: number;
  /** Time a refused or failed connection gets to close before it is destroyed, ms. Default 1000. */
  readonly closeGraceMs?: number;
}

/** `RiemannServerOptions` with every default filled in. */
export interface RiemannSettings {
  readonly host: string;
  readonly port: number;
  readonly tcp: boolean;
  readonly udp: boolean;
  readonly tls: (RiemannTlsOptions & { readonly port: number; readonly requireClientCert: boolean }) | undefined;
  readonly maxFrameBytes: number;
  readonly maxConnections: number;
  readonly maxDatagramBytes: number;
  readonly udpReceiveBufferBytes: number | undefined;
  readonly maxQueryEvents: number;
  readonly closeGraceMs: number;
}

/** Default settings, in one place. */
export const RIEMANN_DEFAULTS = Object.freeze({
  host: "127.0.0.1",
  port: 5555,
  tlsPort: 5554,
  maxFrameBytes: 16 * 1024 * 1024,
  maxConnections: 1024,
  maxDatagramBytes: DEFAULT_MAX_DATAGRAM_BYTES,
  maxQueryEvents: DEFAULT_MAX_QUERY_EVENTS,
  closeGraceMs: 1000,
});

function integer(value: number | undefined, fallback: number, field: string, min: number, max: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min || v > max) throw new RangeError(`riemann.${field} must be an integer from ${min} to ${max}, got ${String(value)}`);
  return v;
}

/**
 * Fills in defaults and validates; throws a RangeError or TypeError naming
 * the field (`riemann.port`, `riemann.tls.key`, ...) on a bad setting.
 *
 * @example
 * resolveRiemannOptions({ engine, port: 0 }).maxFrameBytes; // 16777216
 */
export function resolveRiemannOptions(options: Omit<RiemannServerOptions, "engine">): RiemannSettings {
  const host = options.host ?? RIEMANN_DEFAULTS.host;
  if (typeof host !== "string" || host.length === 0) throw new TypeError(`riemann.host must be a non-empty string, got ${String(options.host)}`);
  let tlsSettings: RiemannSettings["tls"];
  if (options.tls !== undefined) {
    const t = options.tls;
    if (t.key === undefined || t.key.length === 0) throw new TypeError("riemann.tls.key is required (PEM private key)");
    if (t.cert === undefined || t.cert.length === 0) throw new TypeError("riemann.tls.cert is required (PEM certificate)");
    const requireClientCert = t.requireClientCert ?? false;
    if (requireClientCert && (t.ca === undefined || t.ca.length === 0)) throw new TypeError("riemann.tls.ca is required when riemann.tls.requireClientCert is true");
    tlsSettings = { ...t, port: integer(t.port, RIEMANN_DEFAULTS.tlsPort, "tls.port", 0, 65535), requireClientCert };
  }
  return {
    host,
    port: integer(options.port, RIEMANN_DEFAULTS.port, "port", 0, 65535),
    tcp: options.tcp ?? true,
    udp: options.udp ?? true,
    tls: tlsSettings,
    maxFrameBytes: integer(options.maxFrameBytes, RIEMANN_DEFAULTS.maxFrameBytes, "maxFrameBytes", 0, 0xffff_ffff),
    maxConnections: integer(options.maxConnections, RIEMANN_DEFAULTS.maxConnections, "maxConnections", 1, 1_000_000),
    maxDatagramBytes: integer(options.maxDatagramBytes, RIEMANN_DEFAULTS.maxDatagramBytes, "maxDatagramBytes", 1, 65_507),
    udpReceiveBufferBytes: options.udpReceiveBufferBytes === undefined ? undefined : integer(options.udpReceiveBufferBytes, 0, "udpReceiveBufferBytes", 1, 2 ** 31 - 1),
    maxQueryEvents: integer(options.maxQueryEvents, RIEMANN_DEFAULTS.maxQueryEvents, "maxQueryEvents", 0, Number.MAX_SAFE_INTEGER),
    closeGraceMs: integer(options.closeGraceMs, RIEMANN_DEFAULTS.closeGraceMs, "closeGraceMs", 0, 3_600_000),
  };
}

/** A running Riemann server. */
export interface RiemannServer {
  /** Bound TCP port (undefined when TCP is off). */
  readonly tcpPort: number | undefined;
  /** Bound UDP port (undefined when UDP is off). */
  readonly udpPort: number | undefined;
  /** Bound TLS port (undefined when TLS is off). */
  readonly tlsPort: number | undefined;
  /** Counters of all listeners. */
  readonly stats: RiemannStats;
  readonly handler: RiemannHandler;
  readonly settings: RiemannSettings;
  /** Stops listening, destroys open connections, closes UDP. */
  close(): Promise<void>;
}

function listen(server: net.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ port, host, backlog: 511 }, () => {
      server.off("error", reject);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

function closeUdp(socket: dgram.Socket): Promise<void> {
  return new Promise((resolve) => socket.close(() => resolve()));
}

/**
 * Starts the listeners the settings ask for and resolves once all are
 * bound. Riemann clients send events over TCP or UDP and get TCP replies
 * after the events were processed (see `RiemannHandler` for the reply rules).
 *
 * - TCP/TLS: 4-byte big-endian length + `Msg` per request, pipelining
 *   allowed, replies in request order. A length over `maxFrameBytes` gets
 *   `{ok: false, error}` and the connection is closed. Past
 *   `maxConnections`, a new TCP connection gets `{ok: false, error}` and is
 *   closed (a TLS one is closed before the handshake).
 * - UDP: one datagram = one `Msg`, no reply; over `maxDatagramBytes` is dropped.
 *
 * @example
 * const server = await startRiemannServer({ engine, port: 0 });
 * // ... send with any Riemann client to 127.0.0.1:server.tcpPort
 * await server.close();
 */
export async function startRiemannServer(options: RiemannServerOptions): Promise<RiemannServer> {
  const settings = resolveRiemannOptions(options);
  const stats = newRiemannStats();
  const handler = new RiemannHandler(options.engine, { stats, maxQueryEvents: settings.maxQueryEvents });
  const limits: ConnectionLimits = { maxFrameBytes: settings.maxFrameBytes, closeGraceMs: settings.closeGraceMs };
  const sockets = new Set<net.Socket>();
  const servers: net.Server[] = [];
  let udpSocket: dgram.Socket | undefined;

  // Counts and limits connections over TCP and TLS together; false when refused.
  const admit = (raw: net.Socket, refusalReply: boolean): boolean => {
    if (stats.openConnections >= settings.maxConnections) {
      stats.connectionsRejected++;
      raw.on("error", () => {
        stats.socketErrors++;
      });
      if (refusalReply) closeWith(raw, errorFrame(`too many connections: ${settings.maxConnections} are open, the limit`), settings.closeGraceMs);
      else raw.destroy();
      return false;
    }
    stats.connections++;
    stats.openConnections++;
    sockets.add(raw);
    raw.once("close", () => {
      stats.openConnections--;
      sockets.delete(raw);
    });
    return true;
  };

  const closeAll = async (): Promise<void> => {
    const closing: Promise<void>[] = servers.map(closeServer);
    for (const socket of sockets) socket.destroy();
    if (udpSocket !== undefined) closing.push(closeUdp(udpSocket));
    servers.length = 0;
    udpSocket = undefined;
    await Promise.all(closing);
  };

  let tcpPort: number | undefined;
  let udpPort: number | undefined;
  let tlsPort: number | undefined;
  try {
    for (let attempt = 1; ; attempt++) {
      let tcpServer: net.Server | undefined;
      if (settings.tcp) {
        tcpServer = net.createServer((socket) => {
          if (admit(socket, true)) serveConnection(socket, handler, limits);
        });
        tcpPort = await listen(tcpServer, settings.port, settings.host);
      }
      if (!settings.udp) {
        if (tcpServer !== undefined) servers.push(tcpServer);
        break;
      }
      const wantedUdpPort = settings.port === 0 && tcpPort !== undefined ? tcpPort : settings.port;
      try {
        udpSocket = await listenUdp(handler, {
          host: settings.host,
          port: wantedUdpPort,
          maxDatagramBytes: settings.maxDatagramBytes,
          receiveBufferBytes: settings.udpReceiveBufferBytes,
        });
        udpPort = udpSocket.address().port;
        if (tcpServer !== undefined) servers.push(tcpServer);
        break;
      } catch (err) {
        if (tcpServer !== undefined) await closeServer(tcpServer);
        // With port 0 the TCP port's number may be taken for UDP: try another.
        const inUse = (err as NodeJS.ErrnoException).code === "EADDRINUSE";
        if (!(settings.port === 0 && tcpServer !== undefined && inUse && attempt < 10)) throw err;
      }
    }
    if (settings.tls !== undefined) {
      const t = settings.tls;
      const tlsServer = tls.createServer({ key: t.key, cert: t.cert, ca: t.ca, requestCert: t.requireClientCert, rejectUnauthorized: t.requireClientCert });
      tlsServer.on("connection", (raw: net.Socket) => {
        admit(raw, false);
      });
      tlsServer.on("secureConnection", (socket: tls.TLSSocket) => serveConnection(socket, handler, limits));
      tlsServer.on("tlsClientError", () => {
        stats.socketErrors++;
      });
      servers.push(tlsServer);
      tlsPort = await listen(tlsServer, t.port, settings.host);
    }
  } catch (err) {
    await closeAll();
    throw err;
  }

  return {
    tcpPort,
    udpPort,
    tlsPort,
    stats,
    handler,
    settings,
    close: closeAll,
  };
}
