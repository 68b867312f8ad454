/**
 * The event index: the latest event per (host, service), Riemann's index. It
 * answers lookups and queries (the UI, the Riemann protocol, the HTTP API)
 * and expires each key at the moment its TTL runs out, handing the expired
 * event to the engine, which re-injects it into the streams. Keys live in a
 * two-level map (host → service → entry) so a lookup, or all services of a
 * host, costs two map reads and no string building.
 */
import { EXPIRED, expire, expiresAt, type Event } from "../event.ts";
import { prepareQuery, type EventPredicate } from "../query/index.ts";
import type { Stream, StreamContext } from "../stream.ts";
import { ExpiryQueue, UNQUEUED, type ExpiryEntry } from "./expiry.ts";

/** One indexed key: its latest event and its place in the expiry queue. */
class IndexEntry implements ExpiryEntry {
  dueMs = 0;
  bucketMs = UNQUEUED;
  constructor(public event: Event) {}
}

/** Settings of an `EventIndex`. */
export interface EventIndexOptions {
  /**
   * Receives each expired event (state "expired", `time` = the moment the
   * TTL ran out) once its key has been removed. The engine re-injects it into
   * the streams. A throw is reported through `ctx.onError` and does not stop
   * other expirations. Default: expired events are dropped.
   */
  readonly onExpired?: ((e: Event) => void) | undefined;
  /** Most keys examined per turn of the event loop when many expire at once. Default 5000. */
  readonly sliceSize?: number | undefined;
}

/**
 * The latest event per (host, service), with TTL expiry.
 *
 * - `insert(e)` replaces the key's event and resets its deadline to
 *   `e.time + (e.ttl ?? 60)`. Inserting an event whose state is "expired"
 *   deletes the key instead (Riemann's semantics).
 * - When a deadline passes (by `ctx.clock`), the key is removed and
 *   `onExpired(expire(e, deadline))` is called: exactly at the deadline
 *   (rounded up to the millisecond), not at the next reaper tick. The expired
 *   event keeps host, service, tags, attributes and ttl (see `expire`).
 * - `search(query)` runs a query-language string or a predicate over all
 *   events; `host = "X"` and `host = "X" and service = "Y"` are answered by
 *   lookup instead of a scan.
 *
 * Differs from Riemann: no periodic reaper (`periodically-expire`): each key
 * expires at its own deadline, and the expired event's `time` is that
 * deadline, not the reap time. An event already past its deadline when
 * inserted is indexed and expires on the next turn.
 *
 * @example
 * const index = new EventIndex(ctx, { onExpired: (e) => engine.ingest(e) });
 * index.insert(makeEvent({ host: "web1", service: "cpu", time: clock.now(), metric: 0.4, ttl: 30 }));
 * index.lookup("web1", "cpu")?.metric;           // 0.4
 * index.search('service = "cpu" and metric > 0.9'); // []
 * clock.advanceBy(30);                            // onExpired gets { host: "web1", service: "cpu", state: "expired", ... }
 */
export class EventIndex {
  private readonly byHost = new Map<string, Map<string, IndexEntry>>();
  private count = 0;
  private readonly expiry: ExpiryQueue<IndexEntry>;
  private readonly onExpired: ((e: Event) => void) | undefined;

  constructor(
    private readonly ctx: StreamContext,
    options: EventIndexOptions = {},
  ) {
    this.onExpired = options.onExpired;
    this.expiry = new ExpiryQueue<IndexEntry>(ctx, { onDue: (entry) => this.expireEntry(entry), sliceSize: options.sliceSize, name: "index expiry" });
  }

  /** Number of indexed keys. */
  get size(): number {
    return this.count;
  }

  /**
   * Indexes `e` as the latest event of (e.host, e.service), or deletes the key
   * when `e.state` is "expired". Throws a RangeError when `e.time` or `e.ttl`
   * gives no finite deadline (nothing is changed then).
   */
  insert(e: Event): void {
    if (e.state === EXPIRED) {
      this.delete(e.host, e.service);
      return;
    }
    const deadline = expiresAt(e);
    if (!Number.isFinite(deadline)) throw new RangeError(`EventIndex.insert: time ${e.time} and ttl ${e.ttl} give no finite expiry for ${e.host} ${e.service}`);
    let services = this.byHost.get(e.host);
    if (services === undefined) {
      services = new Map();
      this.byHost.set(e.host, services);
    }
    let entry = services.get(e.service);
    if (entry === undefined) {
      entry = new IndexEntry(e);
      services.set(e.service, entry);
      this.count++;
    } else {
      entry.event = e;
    }
    this.expiry.schedule(entry, deadline);
  }

  /** The latest event of (host, service), or undefined. O(1). */
  lookup(host: string, service: string): Event | undefined {
    return this.byHost.get(host)?.get(service)?.event;
  }

  /** True when (host, service) is indexed. */
  has(host: string, service: string): boolean {
    return this.byHost.get(host)?.has(service) ?? false;
  }

  /** Removes (host, service) without emitting an expiry; returns the removed event, if any. */
  delete(host: string, service: string): Event | undefined {
    const services = this.byHost.get(host);
    const entry = services?.get(service);
    if (services === undefined || entry === undefined) return undefined;
    this.expiry.cancel(entry);
    this.removeKey(host, service, services);
    return entry.event;
  }

  /** The latest event of every service of `host` (a new array; empty when the host is unknown). */
  servicesOf(host: string): Event[] {
    const services = this.byHost.get(host);
    const out: Event[] = [];
    if (services !== undefined) for (const entry of services.values()) out.push(entry.event);
    return out;
  }

  /** The hosts with at least one indexed key, in first-seen order (a live view: do not mutate the index while iterating). */
  hosts(): IterableIterator<string> {
    return this.byHost.keys();
  }

  /** Every indexed event (a live view: do not mutate the index while iterating). */
  *events(): Generator<Event, void, undefined> {
    for (const services of this.byHost.values()) for (const entry of services.values()) yield entry.event;
  }

  /**
   * The indexed events matching `query`: a query-language string (parsed
   * through the query cache; throws `QuerySyntaxError` when invalid) or a
   * predicate. An exact `host = "X"` / `host = "X" and service = "Y"` query
   * is a lookup; anything else scans every key.
   *
   * @example
   * index.search('host = "web1"');                  // every service of web1, by lookup
   * index.search('state = "critical" and tagged "prod"');
   * index.search((e) => (e.metric ?? 0) > 0.9);
   */
  search(query: string | EventPredicate): Event[] {
    let predicate: EventPredicate;
    if (typeof query === "string") {
      const prepared = prepareQuery(query);
      const key = prepared.key;
      if (key !== undefined) {
        if (key.service === undefined) return this.servicesOf(key.host);
        const event = this.lookup(key.host, key.service);
        return event === undefined ? [] : [event];
      }
      predicate = prepared.predicate;
    } else {
      predicate = query;
    }
    const out: Event[] = [];
    for (const services of this.byHost.values()) {
      for (const entry of services.values()) if (predicate(entry.event)) out.push(entry.event);
    }
    return out;
  }

  /** Forgets every key and pending expiry, emitting nothing. */
  clear(): void {
    for (const services of this.byHost.values()) for (const entry of services.values()) this.expiry.cancel(entry);
    this.byHost.clear();
    this.count = 0;
    this.expiry.clear();
  }

  /**
   * The index as a stream: inserts every event it receives (expired events
   * delete their key), as Riemann's `(index)` stream does.
   *
   * @example
   * const rule = s.where((e) => e.service !== "debug", index.stream());
   */
  stream(): Stream<Event> {
    const indexStream = (e: Event): void => this.insert(e);
    return indexStream;
  }

  private removeKey(host: string, service: string, services: Map<string, IndexEntry>): void {
    services.delete(service);
    if (services.size === 0) this.byHost.delete(host);
    this.count--;
  }

  private expireEntry(entry: IndexEntry): void {
    const e = entry.event;
    const services = this.byHost.get(e.host);
    if (services === undefined || services.get(e.service) !== entry) return; // defensive: deleted keys are cancelled
    this.removeKey(e.host, e.service, services);
    const onExpired = this.onExpired;
    if (onExpired === undefined) return;
    const expired = expire(e, expiresAt(e));
    try {
      onExpired(expired);
    } catch (err) {
      this.ctx.onError(err, "index expiry", expired);
    }
  }
}
