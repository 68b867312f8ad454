/**
 * Cluster-wide aggregates: "what fraction (or how many) of the live hosts
 * are in state X", as first-class streams instead of a hand-rolled
 * `coalesce` per rule. Each keeps the latest verdict per host for one
 * service, drops a host when its event expires (an expired event passes by,
 * or its TTL lapses by the clock: it needs no index), and emits a summary
 * event only when the matching or live count changes. When the engine is one
 * of several (`ctx.cluster`), the counts are merged across engines through
 * the `ClusterLink` (cluster-link.ts) before anything is emitted.
 */
import { DEFAULT_TTL, EXPIRED, expiresAt, makeEvent, type Event } from "../event.ts";
import { fanout, type Stream, type StreamContext } from "../stream.ts";
import { withRoute } from "../routing.ts";
import { ExpiryQueue, UNQUEUED, type ExpiryEntry } from "./expiry.ts";

/** Settings of `clusterFraction` and `clusterCount`. */
export interface ClusterSpec {
  /** Only events of this service are considered; the rest are ignored. */
  readonly service: string;
  /** Whether a host's latest event counts as "matching" (e.g. swapping). Called once per input event of `service`. */
  readonly predicate: (e: Event) => boolean;
  /** Service of the emitted events. Default `${service} fraction` (`${service} count` for `clusterCount`). */
  readonly name?: string | undefined;
  /**
   * Fewest live hosts for a verdict. While fewer are live, emitted events
   * carry no metric (a downstream `metric > x` test is false). Default 0.
   */
  readonly minHosts?: number | undefined;
  /** TTL of the emitted events, in seconds. Default 60. */
  readonly ttl?: number | undefined;
  /** Most host names listed in the `hosts` attribute. Default 20. */
  readonly maxListedHosts?: number | undefined;
}

interface Settings {
  readonly service: string;
  readonly predicate: (e: Event) => boolean;
  readonly name: string;
  readonly minHosts: number;
  readonly ttl: number;
  readonly maxListedHosts: number;
}

/** One live host: whether its latest event matched, and its place in the expiry queue. */
class HostEntry implements ExpiryEntry {
  dueMs = 0;
  bucketMs = UNQUEUED;
  /** Linked mode: the slot (partition) the host's events arrive through. */
  slot = "";
  constructor(
    readonly host: string,
    public matching: boolean,
  ) {}
}

type Measure = "fraction" | "count";

/**
 * Emits the fraction of live hosts whose latest event for `spec.service`
 * matches `spec.predicate`.
 *
 * A host is live from its first event for `spec.service` until that event
 * (or its latest replacement) expires: when an event of that host and
 * service with state "expired" arrives, or when `time + ttl` (ttl default
 * 60 s) passes by `ctx.clock`, whichever comes first. An event that arrives
 * with its TTL already lapsed removes the host too. Events of other services
 * are ignored; nothing is forwarded.
 *
 * Output, only when the matching count or the live count changed: host "*",
 * service `spec.name`, `time` = now, `ttl` = `spec.ttl`, no state, `metric` =
 * matching / live (0 with no live hosts; undefined while fewer than
 * `spec.minHosts` are live), attributes `matching` and `live` (the counts, as
 * strings: attributes are strings) and `hosts` (comma-joined matching hosts,
 * in the order they started matching, at most `spec.maxListedHosts`; compare
 * with `matching` to see whether the list was cut).
 *
 * Cost per input event: one map read, one predicate call, an O(1) deadline
 * update; an emission costs O(maxListedHosts). Expiry uses one clock timer
 * in all, and none when no host is live.
 *
 * Since it emits on change only, an output that is indexed may expire while
 * nothing changes: give `ttl` a value longer than the quiet periods you
 * expect, or check the aggregate's age rather than its expiry. A throwing
 * predicate is reported through `ctx.onError` and its event ignored.
 *
 * Several engines (`ctx.cluster` set, as `satellite engine` does): each
 * engine keeps the per-host state above for the hosts whose events it
 * consumes, sorted by the partition (slot) they arrive through, and gives
 * the link its counts per slot; what is emitted is then the cluster-wide
 * merge the link hands back (every host counted once, by the engine that
 * owns its partition), never the local counts. The output has the same
 * shape; `hosts` lists matching hosts slot by slot. Without `ctx.cluster`
 * nothing of this applies. docs/scale-out.md has the protocol.
 *
 * Differs from Riemann: Riemann has no such stream; the usual recipe is
 * `coalesce` plus a fold, which rescans every host per event and counts
 * hosts whose events have expired until the reaper runs.
 *
 * @example
 * const swapping = clusterFraction(ctx, { service: "swap in rate", predicate: (e) => (e.metric ?? 0) > 100, minHosts: 5 },
 *   where(ctx, (e) => (e.metric ?? 0) > 0.2, page));
 */
export function clusterFraction(ctx: StreamContext, spec: ClusterSpec, ...children: Stream<Event>[]): Stream<Event> {
  const input = clusterAggregate(ctx, spec, "fraction", children);
  const only = spec.service;
  return withRoute(function clusterFractionStream(e: Event): void {
    input(e);
  }, (s) => s === only);
}

/**
 * Like `clusterFraction`, but the emitted `metric` is the number of live
 * hosts whose latest event matches (undefined while fewer than
 * `spec.minHosts` are live). Default output service `${service} count`.
 *
 * @example
 * const full = clusterCount(ctx, { service: "disk /", predicate: (e) => (e.metric ?? 0) > 0.95 },
 *   where(ctx, (e) => (e.metric ?? 0) >= 3, page));
 */
export function clusterCount(ctx: StreamContext, spec: ClusterSpec, ...children: Stream<Event>[]): Stream<Event> {
  const input = clusterAggregate(ctx, spec, "count", children);
  const only = spec.service;
  return withRoute(function clusterCountStream(e: Event): void {
    input(e);
  }, (s) => s === only);
}

function settingsOf(where: string, spec: ClusterSpec, measure: Measure): Settings {
  if (typeof spec !== "object" || spec === null) throw new TypeError(`${where}: spec must be an object`);
  if (typeof spec.service !== "string" || spec.service === "") throw new TypeError(`${where}: spec.service must be a non-empty string, got ${String(spec.service)}`);
  if (typeof spec.predicate !== "function") throw new TypeError(`${where}: spec.predicate must be a function, got ${typeof spec.predicate}`);
  const name = spec.name ?? `${spec.service} ${measure}`;
  if (typeof name !== "string" || name === "") throw new TypeError(`${where}: spec.name must be a non-empty string, got ${String(name)}`);
  const minHosts = spec.minHosts ?? 0;
  if (!Number.isInteger(minHosts) || minHosts < 0) throw new RangeError(`${where}: spec.minHosts must be an integer >= 0, got ${minHosts}`);
  const ttl = spec.ttl ?? DEFAULT_TTL;
  if (typeof ttl !== "number" || !Number.isFinite(ttl) || ttl <= 0) throw new RangeError(`${where}: spec.ttl must be a finite number > 0, got ${ttl}`);
  const maxListedHosts = spec.maxListedHosts ?? 20;
  if (!Number.isInteger(maxListedHosts) || maxListedHosts < 0) throw new RangeError(`${where}: spec.maxListedHosts must be an integer >= 0, got ${maxListedHosts}`);
  return { service: spec.service, predicate: spec.predicate, name, minHosts, ttl, maxListedHosts };
}

/** The hosts of one slot (linked mode only): how many are live, and which match, in the order they started matching. */
interface SlotHosts {
  live: number;
  readonly matching: Set<string>;
}

/** The shared state machine of `clusterFraction` and `clusterCount`. */
function clusterAggregate(ctx: StreamContext, spec: ClusterSpec, measure: Measure, children: Stream<Event>[]): (e: Event) => void {
  const where = measure === "fraction" ? "clusterFraction" : "clusterCount";
  const { service, predicate, name, minHosts, ttl, maxListedHosts } = settingsOf(where, spec, measure);
  const out = fanout(ctx, where, children);
  const clock = ctx.clock;
  const link = ctx.cluster;
  const live = new Map<string, HostEntry>();
  /** Matching hosts in the order they started matching (Set iteration order), for the `hosts` list. */
  const matching = new Set<string>();
  /** Linked mode: the live hosts by slot (a slot is dropped when its last host leaves). */
  const bySlot = new Map<string, SlotHosts>();
  let emittedLive = 0;
  let emittedMatching = 0;

  const expiry = new ExpiryQueue<HostEntry>(ctx, {
    name: where,
    onDue(entry) {
      if (live.get(entry.host) !== entry) return;
      forget(entry);
      changed();
    },
  });

  /** Emits the summary event for these counts when they differ from the last ones emitted. */
  function emitIfChanged(nLive: number, nMatching: number, listed: Iterable<string>): void {
    if (nLive === emittedLive && nMatching === emittedMatching) return;
    emittedLive = nLive;
    emittedMatching = nMatching;
    let metric: number | undefined;
    if (nLive >= minHosts) metric = measure === "count" ? nMatching : nLive === 0 ? 0 : nMatching / nLive;
    let hosts = "";
    let count = 0;
    for (const host of listed) {
      if (count === maxListedHosts) break;
      hosts = count === 0 ? host : `${hosts},${host}`;
      count++;
    }
    out(
      makeEvent({
        host: "*",
        service: name,
        time: clock.now(),
        metric,
        ttl,
        attributes: { matching: String(nMatching), live: String(nLive), hosts },
      }),
    );
  }

  // Linked mode: counts go to the link, and what is emitted comes back merged from every engine.
  const registration =
    link === undefined
      ? undefined
      : link.register(name, {
          partial(slot) {
            const hosts = bySlot.get(slot);
            if (hosts === undefined) return undefined;
            const listed: string[] = [];
            for (const host of hosts.matching) {
              if (listed.length === maxListedHosts) break;
              listed.push(host);
            }
            return { live: hosts.live, matching: hosts.matching.size, hosts: listed };
          },
          drop(slots) {
            let dropped = false;
            for (const entry of live.values()) {
              if (!slots.has(entry.slot)) continue;
              expiry.cancel(entry);
              forget(entry);
              dropped = true;
            }
            if (dropped) changed();
          },
          merged(total) {
            emitIfChanged(total.live, total.matching, total.hosts);
          },
        });

  /** Something changed: emit (single engine) or tell the link (linked). */
  function changed(): void {
    if (registration === undefined) emitIfChanged(live.size, matching.size, matching);
    else registration.changed();
  }

  function slotHosts(slot: string): SlotHosts {
    let hosts = bySlot.get(slot);
    if (hosts === undefined) {
      hosts = { live: 0, matching: new Set() };
      bySlot.set(slot, hosts);
    }
    return hosts;
  }

  /** Removes a live host from every count (its expiry is the caller's business). */
  function forget(entry: HostEntry): void {
    live.delete(entry.host);
    matching.delete(entry.host);
    if (registration === undefined) return;
    const hosts = bySlot.get(entry.slot);
    if (hosts === undefined) return;
    hosts.matching.delete(entry.host);
    if (--hosts.live === 0) bySlot.delete(entry.slot);
  }

  function remove(host: string): void {
    const entry = live.get(host);
    if (entry === undefined) return;
    expiry.cancel(entry);
    forget(entry);
    changed();
  }

  return function clusterInput(e: Event): void {
    if (e.service !== service) return;
    const deadline = expiresAt(e);
    if (e.state === EXPIRED || !(deadline > clock.now())) {
      remove(e.host);
      return;
    }
    let matches: boolean;
    try {
      matches = Boolean(predicate(e));
    } catch (err) {
      ctx.onError(err, where, e);
      return;
    }
    let entry = live.get(e.host);
    let moved = false;
    /** Whether this event changed a count (a refresh that changes nothing costs the link nothing). */
    let counts = true;
    if (link !== undefined && entry !== undefined) {
      // A host whose events now arrive through another slot (the topic's partitions changed) moves with them.
      const slot = link.currentSlot();
      if (slot !== undefined && slot !== entry.slot) {
        forget(entry);
        entry.slot = slot;
        moved = true;
      }
    }
    if (entry === undefined || moved) {
      if (entry === undefined) {
        entry = new HostEntry(e.host, matches);
        if (link !== undefined) entry.slot = link.currentSlot() ?? link.slotOf(e.host) ?? link.localSlot;
      }
      entry.matching = matches;
      live.set(e.host, entry);
      if (matches) matching.add(e.host);
      if (registration !== undefined) {
        const hosts = slotHosts(entry.slot);
        hosts.live++;
        if (matches) hosts.matching.add(e.host);
      }
    } else if (entry.matching !== matches) {
      entry.matching = matches;
      if (matches) matching.add(e.host);
      else matching.delete(e.host);
      if (registration !== undefined) {
        const hosts = bySlot.get(entry.slot)!;
        if (matches) hosts.matching.add(e.host);
        else hosts.matching.delete(e.host);
      }
    } else {
      counts = false;
    }
    expiry.schedule(entry, deadline);
    if (registration === undefined) emitIfChanged(live.size, matching.size, matching);
    else if (counts) registration.changed();
  };
}
