/**
 * `movingEventWindow` and `fixedEventWindow`: windows counted in events
 * rather than seconds, the last n events (sliding) or successive groups of
 * exactly n (tumbling). Time plays no part.
 */
import type { Event } from "../event.ts";
import { fanout, type Events, type Stream, type StreamContext } from "../stream.ts";
import { checkCount } from "./params.ts";

/**
 * On each input, emits a new vector of the last `n` inputs, oldest first
 * (fewer than `n` until `n` have arrived). Expired events are ordinary
 * members. Each emission is a fresh array that children may keep.
 *
 * Clock: none (counts inputs; neither event time nor the engine clock).
 *
 * Differs from Riemann: none.
 *
 * @example
 * // Page when the last 3 checks all failed.
 * const last3 = movingEventWindow(ctx, 3, (es) => { if (es.length === 3 && es.every((e) => e.state === "critical")) page(es[2]!); });
 */
export function movingEventWindow(ctx: StreamContext, n: number, ...children: Stream<Events>[]): Stream<Event> {
  checkCount("movingEventWindow", "n", n);
  const out = fanout(ctx, "movingEventWindow", children);
  const ring: Event[] = [];
  let next = 0;
  return function movingEventWindowStream(e: Event): void {
    if (ring.length < n) {
      ring.push(e);
      out(ring.slice());
      return;
    }
    ring[next] = e;
    next = next + 1 === n ? 0 : next + 1;
    const window: Event[] = [];
    for (let i = 0; i < n; i++) window.push(ring[(next + i) % n]!);
    out(window);
  };
}

/**
 * Emits successive, non-overlapping vectors of exactly `n` inputs, in
 * arrival order, each when its `n`-th input arrives. A partial group is
 * never emitted. Expired events are ordinary members. Each emission is a
 * fresh array that children may keep.
 *
 * Clock: none (counts inputs; neither event time nor the engine clock).
 *
 * Differs from Riemann: none.
 *
 * @example
 * // Mean of every 10 samples.
 * const per10 = fixedEventWindow(ctx, 10, (es) => emitMean(es));
 */
export function fixedEventWindow(ctx: StreamContext, n: number, ...children: Stream<Events>[]): Stream<Event> {
  checkCount("fixedEventWindow", "n", n);
  const out = fanout(ctx, "fixedEventWindow", children);
  let group: Event[] = [];
  return function fixedEventWindowStream(e: Event): void {
    group.push(e);
    if (group.length < n) return;
    const full = group;
    group = [];
    out(full);
  };
}
