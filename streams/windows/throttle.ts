/**
 * `throttle`: caps how many inputs pass per time window and drops the rest,
 * adding no latency. The usual guard in front of a pager or an e-mail.
 */
import type { Event } from "../event.ts";
import { fanout, type Stream, type StreamContext } from "../stream.ts";
import { TimeBuckets } from "./buckets.ts";
import { checkCount } from "./params.ts";

/**
 * Passes at most `count` inputs (events, or vectors of events) per window of
 * `seconds`; every further input in that window is dropped. Inputs that pass
 * do so immediately. Expired events count and pass like any other input.
 *
 * Clock: the engine clock (`ctx.clock`) at arrival; event times are ignored.
 * Windows are `[k·seconds, (k+1)·seconds)` (see `TimeBuckets`). Arms no timer
 * at all: a window's count is reset by the first input of a later window.
 *
 * Differs from Riemann: windows are aligned to multiples of `seconds` on the
 * engine clock instead of to the stream's creation time.
 *
 * @example
 * // At most one page per 15 minutes (per fork, when used inside `by`); the excess is lost.
 * const pageRarely = throttle(ctx, 1, 900, page);
 */
export function throttle<T = Event>(ctx: StreamContext, count: number, seconds: number, ...children: Stream<T>[]): Stream<T> {
  checkCount("throttle", "count", count);
  const out = fanout(ctx, "throttle", children);
  let passed = 0;
  const windows = new TimeBuckets(ctx, { name: "throttle", seconds }, {
    open() {
      passed = 0;
    },
    finish() {
      return false;
    },
  });
  return function throttleStream(input: T): void {
    windows.enter(ctx.clock.now());
    if (passed < count) {
      passed++;
      out(input);
    }
  };
}
