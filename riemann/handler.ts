/**
 * What the Riemann protocol does with one message, independent of the
 * transport: decode the `Msg`, submit its events to the engine (validated,
 * synchronously), answer its query from the index, and build the reply.
 * TCP and TLS send the reply; UDP drops it. The handler never throws: every
 * failure becomes an `{ok: false, error}` reply and a counter in
 * `RiemannStats`, which the transports share.
 */
import type { BatchResult } from "../streams/engine.ts";
import type { Event, Rejection } from "../streams/event.ts";
import { QuerySyntaxError } from "../streams/query/index.ts";
import { eventToRiemann, riemannToRaw, type RawRiemannEvent } from "./codec.ts";
import { encodeFrame } from "./framing.ts";
import { decodeMsg, encodeMsg, type PbEvent, type PbMsg } from "./schema.ts";

/** What the protocol needs of the engine (`Engine` satisfies it). */
export interface RiemannEngine {
  /** Validates and processes events synchronously; reports the rejected ones by position. */
  submitAll(raws: readonly unknown[]): BatchResult;
  /** Counts a rejection made before the engine (an undecodable message). */
  countRejection(rejection: Rejection): void;
  /** The index queries are answered from. */
  readonly index: { search(query: string): Event[] };
}

/** Counters of the Riemann listeners and the handler; one object shared by TCP, TLS and UDP. */
export interface RiemannStats {
  /** Messages handled (decoded or not), over all transports. */
  messages: number;
  /** Messages that were not valid protobuf `Msg`s. */
  invalidMessages: number;
  /** Events accepted by the engine. */
  eventsAccepted: number;
  /** Events rejected by validation. */
  eventsRejected: number;
  /** Query messages handled. */
  queries: number;
  /** Queries that failed (parse error or too many results). */
  queryErrors: number;
  /** Unexpected errors caught while handling a message (a bug if not 0). */
  internalErrors: number;
  /** TCP and TLS connections accepted so far. */
  connections: number;
  /** Connections open now. */
  openConnections: number;
  /** Connections refused because `maxConnections` were open. */
  connectionsRejected: number;
  /** Connections closed because a frame's length prefix was over `maxFrameBytes`. */
  framesTooLarge: number;
  /** Socket errors (resets, TLS handshake failures) on connections. */
  socketErrors: number;
  /** UDP datagrams received. */
  datagrams: number;
  /** UDP datagrams dropped for being over `maxDatagramBytes`. */
  datagramsTooLarge: number;
}

/**
 * A fresh all-zero `RiemannStats`.
 *
 * @example
 * const stats = newRiemannStats();
 * const handler = new RiemannHandler(engine, { stats });
 */
export function newRiemannStats(): RiemannStats {
  return {
    messages: 0,
    invalidMessages: 0,
    eventsAccepted: 0,
    eventsRejected: 0,
    queries: 0,
    queryErrors: 0,
    internalErrors: 0,
    connections: 0,
    openConnections: 0,
    connectionsRejected: 0,
    framesTooLarge: 0,
    socketErrors: 0,
    datagrams: 0,
    datagramsTooLarge: 0,
  };
}

/** Settings of a `RiemannHandler`. */
export interface RiemannHandlerOptions {
  /** Most events one query may return; more is an error reply. Default 100,000. */
  readonly maxQueryEvents?: number;
  /** Most rejected events described in an error reply (all are counted). Default 5. */
  readonly maxListedRejections?: number;
  /** Counters to update (shared with the transports). Default: a fresh object. */
  readonly stats?: RiemannStats;
}

/** Default of `RiemannHandlerOptions.maxQueryEvents`. */
export const DEFAULT_MAX_QUERY_EVENTS = 100_000;

const OK_FRAME: Buffer = encodeFrame(encodeMsg({ ok: true }));

/**
 * Handles Riemann messages against an engine.
 *
 * - Events are submitted in order through `engine.submitAll` (so the same
 *   validation and limits apply as everywhere) before the reply is built:
 *   an ack means the events were processed.
 * - A reply is `{ok: true}`, plus `events` for a query.
 * - Rejected events: Riemann has no per-event errors, so the reply is
 *   `{ok: false, error: "2 of 100 events rejected: event 3: missing_host: ...; ..."}`
 *   and the valid events of the same message are still processed (resending
 *   the whole message duplicates them; the index keeps the latest per key).
 * - A query (`query.string`) is answered from the index in Riemann's query
 *   language, after the message's events; a parse error replies
 *   `{ok: false, error: "parse error: ..."}`.
 * - Bytes that are not a `Msg` reply `{ok: false, error: "invalid message: ..."}`
 *   and are counted in the engine as rejection code `riemann_invalid_message`.
 * - `states` (the deprecated State messages) are ignored, as Riemann does.
 *
 * Differs from Riemann: a query over `maxQueryEvents` results is refused
 * instead of answered (Riemann has no limit).
 *
 * @example
 * const handler = new RiemannHandler(engine);
 * socket.write(handler.handleFrame(frame)); // length-prefixed reply
 */
export class RiemannHandler {
  readonly stats: RiemannStats;
  private readonly maxQueryEvents: number;
  private readonly maxListed: number;
  private readonly raws: RawRiemannEvent[] = [];

  constructor(
    private readonly engine: RiemannEngine,
    options: RiemannHandlerOptions = {},
  ) {
    this.stats = options.stats ?? newRiemannStats();
    this.maxQueryEvents = options.maxQueryEvents ?? DEFAULT_MAX_QUERY_EVENTS;
    this.maxListed = options.maxListedRejections ?? 5;
  }

  /**
   * Handles one message and returns the reply frame (length-prefixed, ready
   * to write). Never throws.
   */
  handleFrame(bytes: Uint8Array): Buffer {
    const reply = this.handle(bytes);
    if (reply === undefined) return OK_FRAME;
    try {
      return encodeFrame(encodeMsg(reply));
    } catch (err) {
      this.stats.internalErrors++;
      return encodeFrame(encodeMsg({ ok: false, error: `internal error: ${messageOf(err)}` }));
    }
  }

  /**
   * Handles one message and returns the reply, or undefined for a plain
   * `{ok: true}`. Never throws. UDP calls this and drops the reply.
   */
  handle(bytes: Uint8Array): PbMsg | undefined {
    this.stats.messages++;
    let msg: PbMsg;
    try {
      msg = decodeMsg(bytes);
    } catch (err) {
      this.stats.invalidMessages++;
      const error = `invalid message: ${messageOf(err)}`;
      this.engine.countRejection({ code: "riemann_invalid_message", reason: error });
      return { ok: false, error };
    }
    try {
      const rejected = msg.events != null && msg.events.length > 0 ? this.submit(msg.events) : undefined;
      const query = msg.query;
      if (query != null) return this.answer(query.string ?? "", rejected);
      return rejected === undefined ? undefined : { ok: false, error: rejected };
    } catch (err) {
      this.stats.internalErrors++;
      return { ok: false, error: `internal error: ${messageOf(err)}` };
    }
  }

  /** Submits the events; returns the error text when some were rejected. */
  private submit(events: readonly PbEvent[]): string | undefined {
    const raws = this.raws;
    raws.length = 0;
    for (let i = 0; i < events.length; i++) raws.push(riemannToRaw(events[i]!));
    const result = this.engine.submitAll(raws);
    raws.length = 0;
    this.stats.eventsAccepted += result.accepted;
    const rejected = result.rejected;
    if (rejected.length === 0) return undefined;
    this.stats.eventsRejected += rejected.length;
    const listed: string[] = [];
    for (let i = 0; i < rejected.length && i < this.maxListed; i++) {
      const r = rejected[i]!;
      listed.push(`event ${r.index}: ${r.rejection.code}: ${r.rejection.reason}`);
    }
    const more = rejected.length > this.maxListed ? `; and ${rejected.length - this.maxListed} more` : "";
    return `${rejected.length} of ${events.length} events rejected: ${listed.join("; ")}${more}`;
  }

  private answer(queryString: string, rejected: string | undefined): PbMsg {
    this.stats.queries++;
    let found: Event[];
    try {
      found = this.engine.index.search(queryString);
    } catch (err) {
      this.stats.queryErrors++;
      if (err instanceof QuerySyntaxError) return { ok: false, error: `parse error: ${err.message}` };
      return { ok: false, error: messageOf(err) };
    }
    if (found.length > this.maxQueryEvents) {
      this.stats.queryErrors++;
      return { ok: false, error: `query matched ${found.length} events, the limit is ${this.maxQueryEvents}; narrow the query` };
    }
    const events: PbEvent[] = new Array<PbEvent>(found.length);
    for (let i = 0; i < found.length; i++) events[i] = eventToRiemann(found[i]!);
    return rejected === undefined ? { ok: true, events } : { ok: false, error: rejected, events };
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
