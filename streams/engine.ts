/**
 * The engine: the one place where events enter the streams. It validates
 * untrusted input (counting rejections by reason), keeps the index current,
 * feeds every accepted event and every expiry to the top-level stream (the
 * loaded rules), and turns a throw anywhere inside the streams into a
 * counter and an error event instead of a crash. It does no I/O: transports
 * call `submit`, and the clock decides when expiries happen.
 */
import type { Clock } from "./clock.ts";
import { DEFAULT_LIMITS, makeEvent, validateEvent, type Event, type EventLimits, type Rejection, type Validated } from "./event.ts";
import { EventIndex } from "./eventindex/index-store.ts";
import { discard, type Stream, type StreamContext } from "./stream.ts";

/** Service name of the events the engine makes from errors thrown inside streams. */
export const EXCEPTION_SERVICE = "satellite exception";

/** Settings of an `Engine`; every field but `clock` has a default. */
export interface EngineOptions {
  /** The only source of time for the engine, its index and its streams. */
  readonly clock: Clock;
  /** Size limits applied by `submit`. Default `DEFAULT_LIMITS`. */
  readonly limits?: EventLimits;
  /** Index expiries handled per turn of the event loop. Default 5000. */
  readonly expirySliceSize?: number;
  /** Host name put on error events when the failing input had none. Default "satellite". */
  readonly selfHost?: string;
  /** Receives each error event (after it is indexed). Default: nothing more. */
  readonly onException?: (errorEvent: Event, error: unknown) => void;
  /** How many recent stream errors `stats.recentErrors` keeps. Default 20. */
  readonly keepErrors?: number;
}

/** Counters the engine keeps; read them for `/metrics` and tests. */
export interface EngineStats {
  /** Events accepted by `submit` or handed to `process`. */
  accepted: number;
  /** Rejected events by rejection code. */
  readonly rejected: Map<string, number>;
  /** Expired events produced by the index and fed to the streams. */
  expired: number;
  /** Throws caught inside streams. */
  streamErrors: number;
  /** The latest stream errors, newest last. */
  readonly recentErrors: { time: number; where: string; message: string }[];
}

/** The outcome of `submitAll`: how many were accepted, and why each of the others was not. */
export interface BatchResult {
  readonly accepted: number;
  readonly rejected: readonly { readonly index: number; readonly rejection: Rejection }[];
}

/**
 * Runs events through the index and the top-level stream.
 *
 * - `submit(raw)` validates and processes one untrusted event; never throws.
 * - `submitAll(raws)` does the same for a batch: a bad event is reported by
 *   position and never stops the good ones around it.
 * - `process(event)` is the trusted fast path for events already validated.
 * - Expired events (TTL ran out) re-enter the top-level stream at the moment
 *   of expiry, with state "expired".
 *
 * @example
 * const engine = new Engine({ clock: new RealClock() });
 * engine.setStream(ruleManager.stream);
 * const result = engine.submit({ host: "web1", service: "cpu", metric: 0.93 });
 */
export class Engine {
  readonly index: EventIndex;
  readonly ctx: StreamContext;
  readonly stats: EngineStats = { accepted: 0, rejected: new Map(), expired: 0, streamErrors: 0, recentErrors: [] };
  private stream: Stream<Event> = discard;
  private readonly clock: Clock;
  private readonly limits: EventLimits;
  private readonly selfHost: string;
  private readonly keepErrors: number;
  private readonly onException: ((errorEvent: Event, error: unknown) => void) | undefined;

  constructor(options: EngineOptions) {
    this.clock = options.clock;
    this.limits = options.limits ?? DEFAULT_LIMITS;
    this.selfHost = options.selfHost ?? "satellite";
    this.keepErrors = options.keepErrors ?? 20;
    this.onException = options.onException;
    this.ctx = { clock: this.clock, onError: (error, where, input) => this.reportError(error, where, input) };
    this.index = new EventIndex(this.ctx, {
      sliceSize: options.expirySliceSize,
      onExpired: (expired) => {
        this.stats.expired++;
        if (expired.service !== EXCEPTION_SERVICE) this.dispatch(expired);
      },
    });
  }

  /** Sets the top-level stream every event and expiry goes to (usually the rule manager's). */
  setStream(stream: Stream<Event>): void {
    this.stream = stream;
  }

  /** Validates `raw` against the limits and, if valid, processes it. Never throws. */
  submit(raw: unknown): Validated {
    const result = validateEvent(raw, this.clock.now(), this.limits);
    if (result.ok) this.process(result.event);
    else this.countRejection(result.rejection);
    return result;
  }

  /** Submits each element of `raws` in order; bad ones are counted and reported by position. */
  submitAll(raws: readonly unknown[]): BatchResult {
    let accepted = 0;
    const rejected: { index: number; rejection: Rejection }[] = [];
    for (let i = 0; i < raws.length; i++) {
      const result = this.submit(raws[i]);
      if (result.ok) accepted++;
      else rejected.push({ index: i, rejection: result.rejection });
    }
    return { accepted, rejected };
  }

  /** Indexes a valid event and feeds it to the streams. The trusted fast path: no validation. */
  process(event: Event): void {
    this.stats.accepted++;
    this.index.insert(event);
    this.dispatch(event);
  }

  /** Counts a rejection made before the engine (e.g. a transport's own decoding failure). */
  countRejection(rejection: Rejection): void {
    this.stats.rejected.set(rejection.code, (this.stats.rejected.get(rejection.code) ?? 0) + 1);
  }

  /** Total rejected events over all codes. */
  get rejectedTotal(): number {
    let n = 0;
    for (const v of this.stats.rejected.values()) n += v;
    return n;
  }

  private dispatch(event: Event): void {
    try {
      this.stream(event);
    } catch (err) {
      this.reportError(err, "streams", event);
    }
  }

  private reportError(error: unknown, where: string, input: unknown): void {
    this.stats.streamErrors++;
    const now = this.clock.now();
    const message = error instanceof Error ? error.message : String(error);
    const recent = this.stats.recentErrors;
    recent.push({ time: now, where, message });
    if (recent.length > this.keepErrors) recent.shift();
    const host = hostOf(input) ?? this.selfHost;
    const errorEvent = makeEvent({
      host,
      service: EXCEPTION_SERVICE,
      state: "error",
      time: now,
      ttl: 300,
      description: `${where}: ${message}`.slice(0, this.limits.maxDescriptionLength),
      tags: ["exception", where],
    });
    // Indexed so it is visible and queryable, but not fed back into the
    // streams: a rule that throws on its own error event would loop.
    this.index.insert(errorEvent);
    this.onException?.(errorEvent, error);
  }
}

function hostOf(input: unknown): string | undefined {
  if (typeof input !== "object" || input === null) return undefined;
  const candidate = Array.isArray(input) ? (input[input.length - 1] as unknown) : input;
  if (typeof candidate === "object" && candidate !== null && typeof (candidate as { host?: unknown }).host === "string") {
    return (candidate as { host: string }).host;
  }
  return undefined;
}
