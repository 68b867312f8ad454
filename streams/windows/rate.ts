/**
 * `rate`: turns a stream of counts into a per-second rate, emitted once per
 * window, on time, including zeros while the source is alive; then goes
 * quiet when the source expires.
 */
import { DEFAULT_TTL, EXPIRED, isExpired, type Event } from "../event.ts";
import { fanout, type Stream, type StreamContext } from "../stream.ts";
import { TimeBuckets } from "./buckets.ts";

/**
 * Sums the metrics of the inputs in each window of `seconds` and emits, at
 * the window's end, one event: the last metric-bearing input so far as a
 * template, with `metric = sum / seconds`, `time =` the window's end, and
 * `ttl =` the template's ttl or `DEFAULT_TTL`. Inputs without a metric add
 * nothing. After a window that received input, it keeps emitting (zeros)
 * once per window for as long as the latest input stays unexpired at that
 * window's end (its `time + ttl` on the engine clock, as the index judges
 * expiry); then it stops and arms no timer until the next input.
 *
 * Expired events (state "expired") add nothing, are not emitted, and end the
 * emission: the window they arrive in is still emitted, then rate stops.
 *
 * Clock: windows `[k·seconds, (k+1)·seconds)` on the engine clock at arrival
 * (see `TimeBuckets`); event times matter only for the liveness test above.
 * The first window after an idle spell is aligned, so it may cover less than
 * `seconds` of input.
 *
 * Differs from Riemann: windows are clock-aligned; the output's ttl is the
 * input's (or the default) instead of ttl + interval decaying per tick, so
 * an input without a ttl still yields an output that expires (Riemann #390);
 * an expired input ends emission after flushing the current window instead
 * of cancelling it and losing that window's sum.
 *
 * @example
 * // Requests per second over 10 s windows, for each host.
 * const reqRate = rate(ctx, 10, index);
 */
export function rate(ctx: StreamContext, seconds: number, ...children: Stream<Event>[]): Stream<Event> {
  const out = fanout(ctx, "rate", children);
  let sum = 0;
  let template: Event | undefined;
  let latest: Event | undefined;
  const windows = new TimeBuckets(ctx, { name: "rate", seconds }, {
    open() {
      sum = 0;
    },
    finish(_start, end) {
      if (template === undefined) return false;
      out({ ...template, metric: sum / seconds, time: end, ttl: template.ttl ?? DEFAULT_TTL });
      return latest !== undefined && latest.state !== EXPIRED && !isExpired(latest, end + seconds);
    },
  });
  return function rateStream(e: Event): void {
    windows.enter(ctx.clock.now());
    latest = e;
    if (e.metric !== undefined && e.state !== EXPIRED) {
      sum += e.metric;
      template = e;
    }
    windows.hold();
  };
}
