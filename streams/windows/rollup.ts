/**
 * `rollup`: caps how many times children are invoked per time window without
 * losing anything. The excess of a window is delivered as one vector at its
 * end. For digests (e-mail, chat) where every event matters but volume must
 * be bounded.
 */
import type { Event } from "../event.ts";
import { fanout, type Stream, type StreamContext } from "../stream.ts";
import { TimeBuckets } from "./buckets.ts";
import { checkCount } from "./params.ts";

/**
 * Invokes children at most `count` times per window of `seconds`, always
 * with a vector. The first `count` inputs of a window go through at once,
 * each as a one-element vector; later ones are buffered and sent together as
 * one vector when the window ends. That end-of-window flush counts as one of
 * the next window's `count` sends (so no window ever sees more than `count`
 * invocations). Nothing is dropped; latency is at most `seconds`. Expired
 * events are treated like any other input.
 *
 * Clock: the engine clock at arrival (windows `[k·seconds, (k+1)·seconds)`,
 * see `TimeBuckets`); a timer is armed only for a window that buffered input.
 *
 * Differs from Riemann: windows are aligned to multiples of `seconds`, not to
 * the stream's creation time; and a flush counts against the window that
 * directly follows it only, not against the next window to receive input
 * after an idle gap.
 *
 * @example
 * // (rollup 2 1) on 1 2 | 3 4 5 6 7 | 8 (one window each) → [1] [2] [3] [4] [5 6 7] [8]
 * const digest = rollup(ctx, 2, 1, mailDigest);
 */
export function rollup<T = Event>(ctx: StreamContext, count: number, seconds: number, ...children: Stream<readonly T[]>[]): Stream<T> {
  checkCount("rollup", "count", count);
  const out = fanout(ctx, "rollup", children);
  let sent = 0;
  let buffer: T[] = [];
  let flushedAt = NaN;
  const windows = new TimeBuckets(ctx, { name: "rollup", seconds }, {
    open(start) {
      sent = start === flushedAt ? 1 : 0;
    },
    finish(_start, end) {
      const flushed = buffer;
      buffer = [];
      flushedAt = end;
      out(flushed);
      return false;
    },
  });
  return function rollupStream(input: T): void {
    windows.enter(ctx.clock.now());
    if (sent < count) {
      sent++;
      out([input]);
      return;
    }
    buffer.push(input);
    windows.hold();
  };
}
