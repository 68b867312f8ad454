/**
 * `fixedTimeWindow`: tumbling windows over event time (all events whose
 * timestamps fall in the same aligned `seconds`-long span, as one vector),
 * that are emitted even when the stream goes quiet.
 */
import type { Event } from "../event.ts";
import { fanout, type Events, type Stream, type StreamContext } from "../stream.ts";
import { Deadline } from "./deadline.ts";
import { checkSeconds } from "./params.ts";

/**
 * Seconds of engine-clock time `fixedTimeWindow` waits for stragglers before
 * emitting a window that no later event has closed: the allowance for
 * transport delay (collector buffering, Kafka) between an event's time and
 * its arrival.
 */
export const FIXED_TIME_WINDOW_GRACE = 5;

/**
 * Groups inputs by event time into windows `[k·seconds, (k+1)·seconds)` and
 * emits each window's events (arrival order) as one vector, when either
 * - an input of a later window arrives, or
 * - the engine clock is `FIXED_TIME_WINDOW_GRACE` seconds past both the
 *   window's end and the arrival of its last input (a window still receiving
 *   a backlog is not cut while events keep coming).
 * Inputs for a window already emitted (late events) are dropped. Empty
 * windows are never emitted: not the gaps between two windows, not while
 * idle; so a quiet stream costs nothing and arms no timer, and the first
 * event after a long silence does not owe one `[]` per missed window (an
 * empty vector names no host or service anyway; for zeros while a source is
 * alive, use `rate`). Expired events
 * are ordinary members, placed by their time. Each emission is a fresh array.
 *
 * Clock: event time (`e.time`) decides the window; the engine clock only
 * decides when a quiet window is flushed (one timer per open window).
 *
 * Differs from Riemann: windows are aligned to multiples of `seconds`
 * (Riemann's `fixed-offset-time-window`; `fixed-time-window` starts at the
 * first event's time); the last window is flushed on a timer instead of
 * waiting forever for a later event (Riemann #563, #259, #812); empty windows
 * in a gap are not emitted as `[]`.
 *
 * @example
 * // Mean CPU per host per minute of event time.
 * const perMinute = fixedTimeWindow(ctx, 60, (es) => index(meanOf(es)));
 */
export function fixedTimeWindow(ctx: StreamContext, seconds: number, ...children: Stream<Events>[]): Stream<Event> {
  checkSeconds("fixedTimeWindow", "seconds", seconds);
  const out = fanout(ctx, "fixedTimeWindow", children);
  let current = -Infinity; // index of the open window, or of the last emitted one when `events` is empty
  let events: Event[] = [];
  const deadline = new Deadline(ctx, "fixedTimeWindow", () => {
    const full = events;
    events = [];
    out(full);
  });
  return function fixedTimeWindowStream(e: Event): void {
    let k = Math.floor(e.time / seconds);
    if ((k + 1) * seconds <= e.time) k++;
    else if (k * seconds > e.time) k--;
    if (k < current || (k === current && events.length === 0)) return;
    if (k > current) {
      if (events.length > 0) deadline.runNow();
      current = k;
    }
    events.push(e);
    deadline.set(Math.max((k + 1) * seconds, ctx.clock.now()) + FIXED_TIME_WINDOW_GRACE);
  };
}
