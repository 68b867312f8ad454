/**
 * `stable`: passes a value only once it has held for a while, suppressing
 * spikes and flapping ("disk critical for 5 minutes", not "critical for one
 * sample").
 */
import type { Event } from "../event.ts";
import { fanout, type Stream, type StreamContext } from "../stream.ts";
import { Deadline } from "./deadline.ts";
import { checkSeconds } from "./params.ts";

const UNSEEN: unique symbol = Symbol("unseen");

/**
 * Passes inputs only while `key(e)` has kept the same value for at least
 * `seconds`. When the value changes, the input that changed it is buffered
 * and nothing is emitted; inputs with the same value join the buffer. Once
 * `seconds` have passed since the change (with no further change), the
 * whole buffer is emitted in order (at that moment by a timer, or earlier by
 * an input that arrives later) and from then on each input with that value
 * passes at once. A change before then discards the buffer and starts over.
 * Values are compared with `Object.is`, so `key` should return a primitive.
 * `key` is called exactly once per input.
 *
 * Expired events go through `key` like any other: with a state key, an
 * expiry is a change and is emitted only if nothing else arrives within
 * `seconds` of it.
 *
 * Clock: the engine clock only: "since the change" is measured from the
 * changing input's arrival; event times are ignored. One timer while a
 * buffer is pending, none otherwise.
 *
 * Differs from Riemann: Riemann measures the buffer's age with event time on
 * arrival and with wall time in its timer, so replays and lagging sources
 * behave differently from live ones; here both use the engine clock.
 *
 * @example
 * // Only act on a state that has held for 5 minutes.
 * const settled = stable(ctx, 300, (e) => e.state, changedStateToPage);
 */
export function stable(ctx: StreamContext, seconds: number, key: (e: Event) => unknown, ...children: Stream<Event>[]): Stream<Event> {
  checkSeconds("stable", "seconds", seconds);
  const out = fanout(ctx, "stable", children);
  let value: unknown = UNSEEN;
  let pending: Event[] = [];
  let changedAt = 0;
  const deadline = new Deadline(ctx, "stable", () => {
    const all = pending;
    pending = [];
    for (let i = 0; i < all.length; i++) out(all[i]!);
  });
  return function stableStream(e: Event): void {
    const now = ctx.clock.now();
    const v = key(e);
    if (!Object.is(v, value)) {
      value = v;
      pending = [e];
      changedAt = now;
      deadline.set(now + seconds);
    } else if (pending.length === 0) {
      out(e);
    } else {
      pending.push(e);
      if (now - changedAt >= seconds) deadline.runNow();
    }
  };
}
