/**
 * `percentiles`: per time window, the metric at each requested quantile
 * (min, median, p95, max...), one event per quantile.
 */
import { EXPIRED, type Event } from "../event.ts";
import { fanout, type Stream, type StreamContext } from "../stream.ts";
import { TimeBuckets } from "./buckets.ts";

function byMetric(a: Event, b: Event): number {
  return (a.metric as number) - (b.metric as number);
}

/**
 * Collects the metric-bearing inputs of each window of `seconds` and, at the
 * window's end, emits one event per entry of `points` (each in [0, 1]): the
 * sampled event at nearest rank `floor(n·p)` (clamped to the largest) of the
 * window's events sorted by metric, with `service` suffixed by the point
 * (`"api latency 0.95"`) and `time =` the window's end. 0 is the minimum,
 * 1 the maximum, 0.5 the (upper) median. A window with no metric-bearing
 * input emits nothing. Inputs without a metric and expired events are ignored.
 *
 * Clock: windows `[k·seconds, (k+1)·seconds)` on the engine clock at arrival
 * (see `TimeBuckets`); one timer per window that received a sample.
 *
 * Differs from Riemann: windows are clock-aligned; an expired event is
 * ignored instead of resetting the window.
 *
 * @example
 * // Median, p95 and max latency every 10 s: services "api 0.5", "api 0.95", "api 1".
 * const latency = percentiles(ctx, 10, [0.5, 0.95, 1], index);
 */
export function percentiles(ctx: StreamContext, seconds: number, points: readonly number[], ...children: Stream<Event>[]): Stream<Event> {
  for (const p of points) {
    if (typeof p !== "number" || !(p >= 0 && p <= 1)) throw new RangeError(`percentiles: points must be numbers in [0, 1], got ${String(p)}`);
  }
  const pts = points.slice();
  const suffixes = pts.map((p) => ` ${String(p)}`);
  const out = fanout(ctx, "percentiles", children);
  const samples: Event[] = [];
  const windows = new TimeBuckets(ctx, { name: "percentiles", seconds }, {
    open() {},
    finish(_start, end) {
      samples.sort(byMetric);
      const n = samples.length;
      for (let i = 0; i < pts.length; i++) {
        const e = samples[Math.min(n - 1, Math.floor(n * pts[i]!))]!;
        out({ ...e, service: e.service + suffixes[i]!, time: end });
      }
      samples.length = 0;
      return false;
    },
  });
  return function percentilesStream(e: Event): void {
    windows.enter(ctx.clock.now());
    if (e.metric === undefined || e.state === EXPIRED) return;
    samples.push(e);
    windows.hold();
  };
}
