/**
 * `by`: one independent copy of a sub-topology per key (per host, per
 * host+service, …), built on demand by a factory and dropped again once its
 * key has been idle for a while, so a `by` over a changing fleet stays
 * bounded in memory (Riemann's forks live forever).
 *
 * Per event the cost is one lookup and one store: no clock read, no
 * allocation once the key's fork exists. Idle forks are found by a single
 * periodic sweep that runs only while forks exist. Forks are filed in
 * buckets by the sweep tick in which they were filed; a sweep looks only at
 * buckets old enough to hold idle forks, drops the forks that are idle and
 * re-files the others under the tick of their last event. Each re-filing is
 * paid for by at least one event, so eviction is O(1) amortised per event.
 */
import type { Event } from "../event.ts";
import type { Stream, StreamContext } from "../stream.ts";
import type { Timer } from "../clock.ts";
import { checkFunction, checkPositive } from "./checks.ts";

/**
 * What `by` forks on: an event field name (`"host"`, `"service"`, `"state"`,
 * `"description"`, `"metric"`, `"time"`, `"ttl"`, or any custom attribute
 * name), a list of such names (`["host", "service"]`), or a function of the
 * event returning a string.
 */
export type ByKey = string | readonly string[] | ((e: Event) => string);

/** Settings of `by`. */
export interface ByOptions {
  /** A fork that has received no event for this many seconds (by `ctx.clock`) is dropped. Default 3600. */
  readonly idleSeconds?: number;
  /** How often the idle sweep runs while forks exist, in seconds. Default `idleSeconds / 16`. */
  readonly sweepSeconds?: number;
  /**
   * Told the key (as the factory was given it) of each fork dropped for
   * being idle, after it is dropped: for state kept beside the forks that
   * must be forgotten with them. A throw is reported as "by evict".
   */
  readonly onEvict?: (key: string) => void;
}

/** The stream `by` returns: a stream of events that also reports how many forks it holds. */
export type ByStream = Stream<Event> & {
  /** Number of live forks (keys seen and not yet evicted). For tests and self-metrics. */
  readonly size: number;
};

/** Default of `ByOptions.idleSeconds`. */
export const DEFAULT_BY_IDLE_SECONDS = 3600;

interface Fork {
  readonly stream: Stream<Event>;
  /** The sweep tick during which this fork last saw an event. */
  touched: number;
  /** The lookup key: the single key value, or the list of field values for a multi-field key. */
  readonly path: unknown;
}

type Accessor = (e: Event) => unknown;

function fieldAccessor(name: string): Accessor {
  switch (name) {
    case "host": return (e) => e.host;
    case "service": return (e) => e.service;
    case "state": return (e) => e.state;
    case "description": return (e) => e.description;
    case "time": return (e) => e.time;
    case "ttl": return (e) => e.ttl;
    case "metric":
    case "metric_f":
    case "metric_d":
    case "metric_sint64": return (e) => e.metric;
    case "tags":
    case "attributes":
      throw new TypeError(`by: cannot fork on "${name}" (not a single value); pass a key function instead`);
    default:
      if (typeof name !== "string" || name.length === 0) throw new TypeError(`by: a key field must be a non-empty string, got ${JSON.stringify(name)}`);
      return (e) => e.attributes?.[name];
  }
}

function keyText(value: unknown): string {
  if (value === undefined || value === null) return "";
  return typeof value === "string" ? value : JSON.stringify(value);
}

/**
 * Splits the stream by key: every event goes to the fork of its key, and the
 * first event of a new key makes that fork by calling `factory(key, event)`
 * (once per key, so each key gets its own stateful streams: its own
 * `changed`, `throttle`, `rate`, …). Anything built *outside* the factory is
 * shared by all forks.
 *
 * - `key` is a field name, a list of field names, or a function (see
 *   `ByKey`). Fields that are absent key as "absent" (their own fork).
 * - The `key` string given to `factory` is the field value (`""` when
 *   absent) for one field, the JSON array of the values for several fields
 *   (`'["web1","cpu"]'`), or the function's result. The event that created
 *   the fork is passed as the second argument.
 * - Expired events are routed to their key's fork like any other event (so a
 *   `changed` or `expired` inside the fork sees them), and create the fork if
 *   it does not exist.
 * - Idle eviction: a fork that has received no event for `idleSeconds`
 *   (default 3600, by `ctx.clock`) is dropped. The sweep runs every
 *   `sweepSeconds` (default `idleSeconds / 16`) while forks exist, so a fork
 *   is dropped more than `idleSeconds` and at most
 *   `ceil(idleSeconds / sweepSeconds + 1) * sweepSeconds` after its last
 *   event. A dropped key that comes back gets a fresh fork from `factory`
 *   (its old state is gone). The sweep timer is not armed while there are no
 *   forks.
 * - `onEvict(key)`, when given, is told the key of each fork dropped for
 *   being idle (the same string the factory got), after it is dropped.
 * - The returned stream has a `size` property: the number of live forks.
 * - A throw from the key function or from `factory` is reported through
 *   `ctx.onError` (where "by key" / "by factory") and the event is dropped (a
 *   failed factory is retried on the key's next event); a throw from a fork is
 *   reported as "by" and the other forks are unaffected.
 *
 * Differs from Riemann: takes a factory instead of re-evaluated child forms,
 * evicts idle forks, and rejects `tags` / `attributes` as key fields.
 *
 * @example
 * // One state-change detector per host and service; forks idle for a day are dropped.
 * const perSeries = by(ctx, ["host", "service"], () => changed(ctx, { init: "ok" }, page), { idleSeconds: 86_400 });
 * // Keyed by a function.
 * by(ctx, (e) => e.attributes?.["rack"] ?? "none", (rack) => rate(ctx, 60, withFields(ctx, { service: `rack ${rack} rate` }, index)));
 */
export function by(ctx: StreamContext, key: ByKey, factory: (key: string, first: Event) => Stream<Event>, options: ByOptions = {}): ByStream {
  checkFunction("by", "factory", factory);
  const idle = checkPositive("by", "idleSeconds", options.idleSeconds ?? DEFAULT_BY_IDLE_SECONDS);
  const sweep = checkPositive("by", "sweepSeconds", options.sweepSeconds ?? idle / 16);
  // A fork touched at tick t saw its last event before tick t + 1 began; it is idle
  // at tick k when (k - t - 1) whole sweep periods have passed and cover `idle`.
  const idleTicks = Math.ceil(idle / sweep);
  const onEvict = options.onEvict;
  if (onEvict !== undefined) checkFunction("by", "onEvict", onEvict);

  const clock = ctx.clock;
  const onError = ctx.onError;
  let tick = 0;
  let count = 0;
  let timer: Timer | undefined;
  const buckets = new Map<number, Fork[]>();

  let accessors: Accessor[];
  let isFunctionKey = false;
  if (typeof key === "function") {
    accessors = [key];
    isFunctionKey = true;
  } else if (typeof key === "string") {
    accessors = [fieldAccessor(key)];
  } else if (Array.isArray(key) && key.length > 0) {
    accessors = key.map(fieldAccessor);
  } else {
    throw new TypeError("by: key must be a field name, a non-empty array of field names, or a function");
  }
  const depth = accessors.length;

  function file(fork: Fork, at: number): void {
    const bucket = buckets.get(at);
    if (bucket === undefined) buckets.set(at, [fork]);
    else bucket.push(fork);
  }

  function arm(): void {
    timer = clock.setTimer(clock.now() + sweep, onTick);
  }

  function onTick(): void {
    timer = undefined;
    tick++;
    const due = tick - idleTicks - 1;
    for (const [at, forks] of buckets) {
      if (at > due) continue;
      buckets.delete(at);
      for (let i = 0; i < forks.length; i++) {
        const fork = forks[i]!;
        if (fork.touched <= due) {
          evict(fork);
          if (onEvict !== undefined) tellEvicted(fork, onEvict);
        } else file(fork, fork.touched);
      }
    }
    if (count > 0) arm();
  }

  function makeFork(path: unknown, keyString: string, e: Event): Fork | undefined {
    let stream: Stream<Event>;
    try {
      stream = factory(keyString, e);
      if (typeof stream !== "function") throw new TypeError(`by: factory must return a stream (a function), got ${typeof stream} for key ${JSON.stringify(keyString)}`);
    } catch (err) {
      onError(err, "by factory", e);
      return undefined;
    }
    const fork: Fork = { stream, touched: tick, path };
    count++;
    file(fork, tick);
    if (timer === undefined) arm();
    return fork;
  }

  function tellEvicted(fork: Fork, tell: (key: string) => void): void {
    const key = depth === 1 ? keyText(fork.path) : JSON.stringify((fork.path as unknown[]).map(keyText));
    try {
      tell(key);
    } catch (err) {
      onError(err, "by evict", undefined);
    }
  }

  function run(fork: Fork, e: Event): void {
    fork.touched = tick;
    try {
      fork.stream(e);
    } catch (err) {
      onError(err, "by", e);
    }
  }

  let stream: Stream<Event>;
  let evict: (fork: Fork) => void;

  if (depth === 1) {
    const read = accessors[0]!;
    const table = new Map<unknown, Fork>();
    evict = (fork) => {
      table.delete(fork.path);
      count--;
    };
    stream = function byStream(e: Event): void {
      let k: unknown;
      try {
        k = read(e);
      } catch (err) {
        onError(err, "by key", e);
        return;
      }
      let fork = table.get(k);
      if (fork === undefined) {
        if (isFunctionKey && typeof k !== "string") {
          onError(new TypeError(`by: key function must return a string, got ${typeof k}`), "by key", e);
          return;
        }
        fork = makeFork(k, keyText(k), e);
        if (fork === undefined) return;
        table.set(k, fork);
      }
      run(fork, e);
    };
  } else {
    // Nested maps, one level per field: a lookup allocates nothing.
    const root = new Map<unknown, unknown>();
    const last = depth - 1;
    evict = (fork) => {
      const path = fork.path as unknown[];
      const maps: Map<unknown, unknown>[] = [root];
      for (let i = 0; i < last; i++) maps.push(maps[i]!.get(path[i]) as Map<unknown, unknown>);
      maps[last]!.delete(path[last]);
      for (let i = last; i > 0 && maps[i]!.size === 0; i--) maps[i - 1]!.delete(path[i - 1]);
      count--;
    };
    const insert = (e: Event): Fork | undefined => {
      const path = accessors.map((read) => read(e));
      const fork = makeFork(path, JSON.stringify(path.map(keyText)), e);
      if (fork === undefined) return undefined;
      let m = root;
      for (let i = 0; i < last; i++) {
        let next = m.get(path[i]) as Map<unknown, unknown> | undefined;
        if (next === undefined) {
          next = new Map<unknown, unknown>();
          m.set(path[i], next);
        }
        m = next;
      }
      m.set(path[last], fork);
      return fork;
    };
    if (depth === 2) {
      // The common host+service case, without the loop.
      const first = accessors[0]!;
      const second = accessors[1]!;
      stream = function byPairStream(e: Event): void {
        const inner = root.get(first(e)) as Map<unknown, unknown> | undefined;
        const found = inner === undefined ? undefined : (inner.get(second(e)) as Fork | undefined);
        const fork = found ?? insert(e);
        if (fork !== undefined) run(fork, e);
      };
    } else {
      stream = function byFieldsStream(e: Event): void {
        let node: unknown = root;
        for (let i = 0; i < depth && node !== undefined; i++) node = (node as Map<unknown, unknown>).get(accessors[i]!(e));
        const fork = node === undefined ? insert(e) : (node as Fork);
        if (fork !== undefined) run(fork, e);
      };
    }
  }

  Object.defineProperty(stream, "size", { get: () => count, enumerable: true });
  return stream as ByStream;
}
