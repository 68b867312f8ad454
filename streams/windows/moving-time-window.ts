/**
 * `movingTimeWindow`: a sliding window over event time. On every event, the
 * events of the last `seconds` (by their own timestamps), for rules such as
 * "more than 5 failures in the last 10 minutes".
 */
import type { Event } from "../event.ts";
import { fanout, type Events, type Stream, type StreamContext } from "../stream.ts";
import { checkSeconds } from "./params.ts";

/**
 * On each input, emits a new vector of every input kept so far whose `time`
 * is later than `latest time seen − seconds`, in arrival order. An input at
 * or before that cutoff is dropped and causes no emission. Expired events
 * are ordinary members (an index expiry carries the moment of expiry as its
 * time). Each emission is a fresh array that children may keep.
 *
 * Clock: event time only (`e.time`); the engine clock is never read and no
 * timer is armed, so the window moves only when events arrive.
 *
 * Differs from Riemann: none (every Satellite event has a time, so Riemann's
 * "events without a time accumulate" case cannot arise).
 *
 * @example
 * // Alert when a host logs more than 5 task failures within 10 minutes.
 * const failures = movingTimeWindow(ctx, 600, (es) => { if (es.length > 5) page(es[es.length - 1]!); });
 */
export function movingTimeWindow(ctx: StreamContext, seconds: number, ...children: Stream<Events>[]): Stream<Event> {
  checkSeconds("movingTimeWindow", "seconds", seconds);
  const out = fanout(ctx, "movingTimeWindow", children);
  const kept: Event[] = [];
  let latest = -Infinity;
  let oldest = Infinity;
  return function movingTimeWindowStream(e: Event): void {
    if (e.time > latest) latest = e.time;
    const cutoff = latest - seconds;
    if (e.time <= cutoff) return;
    kept.push(e);
    if (e.time < oldest) oldest = e.time;
    if (oldest <= cutoff) {
      // Compact in place, keeping arrival order.
      let j = 0;
      oldest = Infinity;
      for (let i = 0; i < kept.length; i++) {
        const k = kept[i]!;
        if (k.time > cutoff) {
          kept[j++] = k;
          if (k.time < oldest) oldest = k.time;
        }
      }
      kept.length = j;
    }
    out(kept.slice());
  };
}
