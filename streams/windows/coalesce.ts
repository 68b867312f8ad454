/**
 * `coalesce`: the latest event of every (host, service) seen, delivered as
 * one vector every few seconds, the basis of fleet-wide aggregates
 * ("fraction of hosts whose disk is critical").
 */
import { EXPIRED, expire, expiresAt, isExpired, type Event } from "../event.ts";
import { fanout, type Events, type Stream, type StreamContext } from "../stream.ts";
import { TimeBuckets } from "./buckets.ts";

/**
 * Remembers the latest input per (host, service) and, at the end of every
 * window of `seconds` while it remembers anything, emits all of them as one
 * vector (grouped by host in first-seen order). An entry that is expired at
 * flush time is emitted one last time and then forgotten: an input with
 * state "expired" as it came, one whose ttl ran out (event `time + ttl`
 * passed on the engine clock) as `expire(e, time + ttl)`, so downstream folds
 * see state "expired" rather than a stale live state. When nothing is left
 * it stops and arms no timer until the next input.
 *
 * Clock: windows `[k·seconds, (k+1)·seconds)` on the engine clock (see
 * `TimeBuckets`); event times matter only for ttl expiry.
 *
 * Differs from Riemann: flushes are clock-aligned; an expired input is
 * emitted at the next flush instead of pausing the flushes until the next
 * live input; ttl-expired entries are emitted with state "expired".
 *
 * @example
 * // Every 5 s, the fraction of hosts whose "disk /" is critical.
 * const diskFleet = coalesce(ctx, 5, (es) => alertIfOver(0.2, es));
 */
export function coalesce(ctx: StreamContext, seconds: number, ...children: Stream<Events>[]): Stream<Event> {
  const out = fanout(ctx, "coalesce", children);
  const byHost = new Map<string, Map<string, Event>>();
  let size = 0;
  const windows = new TimeBuckets(ctx, { name: "coalesce", seconds }, {
    open() {},
    finish(_start, end) {
      const all: Event[] = [];
      for (const [host, services] of byHost) {
        for (const [service, e] of services) {
          if (e.state === EXPIRED) all.push(e);
          else if (isExpired(e, end)) all.push(expire(e, expiresAt(e)));
          else {
            all.push(e);
            continue;
          }
          services.delete(service);
          size--;
        }
        if (services.size === 0) byHost.delete(host);
      }
      out(all);
      return size > 0;
    },
  });
  return function coalesceStream(e: Event): void {
    windows.enter(ctx.clock.now());
    let services = byHost.get(e.host);
    if (services === undefined) byHost.set(e.host, (services = new Map<string, Event>()));
    const before = services.size;
    services.set(e.service, e);
    size += services.size - before;
    windows.hold();
  };
}
