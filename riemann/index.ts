/**
 * The Riemann protocol, the public face: the server (TCP, UDP, TLS), the
 * transport-independent handler and its counters, the codec between
 * Riemann's wire events and `Event`, the framing, and a small pipelined
 * client. See docs/riemann-protocol.md.
 */
export { startRiemannServer, resolveRiemannOptions, RIEMANN_DEFAULTS, type RiemannServer, type RiemannServerOptions, type RiemannSettings, type RiemannTlsOptions } from "./server.ts";
export { RiemannHandler, newRiemannStats, DEFAULT_MAX_QUERY_EVENTS, type RiemannEngine, type RiemannHandlerOptions, type RiemannStats } from "./handler.ts";
export { eventToRiemann, riemannToRaw, shortestFloat32, type RawRiemannEvent } from "./codec.ts";
export { encodeFrame, FrameDecoder, LENGTH_PREFIX_BYTES, type FrameSink } from "./framing.ts";
export { decodeMsg, encodeMsg, int64ToNumber, riemannRoot, type Int64, type PbAttribute, type PbEvent, type PbMsg, type PbQuery } from "./schema.ts";
export { RiemannClient, type RiemannClientOptions } from "./client.ts";
export { DEFAULT_MAX_DATAGRAM_BYTES } from "./udp.ts";
