/**
 * `ddtReal`: the derivative of a metric (change per second), computed once
 * per time window from the latest sample of each window, so a noisy or
 * bursty source yields a steady cadence of slopes.
 */
import { EXPIRED, type Event } from "../event.ts";
import { fanout, type Stream, type StreamContext } from "../stream.ts";
import { TimeBuckets } from "./buckets.ts";

/**
 * Keeps the last metric-bearing input of each window of `seconds`. At the
 * end of a window that received one, if an earlier sample exists (the last
 * one of the most recent earlier window with input), emits the window's last
 * input with `metric = Δmetric / Δtime` between the two samples (Δtime from
 * their event times) and `time =` the window's end. Nothing is emitted when
 * Δtime is 0. An expired event drops both samples, so no slope is computed
 * across an expiry; inputs without a metric are ignored.
 *
 * Clock: windows `[k·seconds, (k+1)·seconds)` on the engine clock at arrival
 * (see `TimeBuckets`), one timer per window with input; the slope itself uses
 * event times, since that is when the samples were measured.
 *
 * Differs from Riemann: windows are clock-aligned; the output's time is the
 * window's end, not the sample's; an expired event resets the samples
 * instead of stopping the poller.
 *
 * @example
 * // Bytes/s from a monotonically increasing byte counter, every 10 s.
 * const bytesPerSecond = ddtReal(ctx, 10, index);
 */
export function ddtReal(ctx: StreamContext, seconds: number, ...children: Stream<Event>[]): Stream<Event> {
  const out = fanout(ctx, "ddtReal", children);
  let previous: Event | undefined;
  let current: Event | undefined;
  const windows = new TimeBuckets(ctx, { name: "ddtReal", seconds }, {
    open() {},
    finish(_start, end) {
      const p = previous;
      const c = current!;
      previous = c;
      current = undefined;
      if (p !== undefined && c.time !== p.time) {
        out({ ...c, metric: ((c.metric as number) - (p.metric as number)) / (c.time - p.time), time: end });
      }
      return false;
    },
  });
  return function ddtRealStream(e: Event): void {
    windows.enter(ctx.clock.now());
    if (e.state === EXPIRED) {
      previous = current = undefined;
      windows.close();
      return;
    }
    if (e.metric === undefined) return;
    current = e;
    windows.hold();
  };
}
