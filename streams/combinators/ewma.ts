/**
 * `ewmaTimeless` and `ewma`: exponentially weighted moving averages of
 * metrics, per event or per second of event time, for smoothing noisy
 * metrics before thresholds. Constant space and time per event.
 */
import type { Event } from "../event.ts";
import { fanout, type Stream, type StreamContext } from "../stream.ts";
import { checkPositive } from "./checks.ts";

/**
 * EWMA by event count: keeps `m`, starting at 0; each event with a metric
 * `x` sets `m = r * x + (1 - r) * m` and is passed on with metric `m`. `r`
 * (0 < r ≤ 1) is the weight of the newest event: 1 means "the latest metric",
 * 1/2 means the newest counts half, the one before a quarter, and so on.
 * Ignores the time between events. Events without a metric, expired events
 * among them, pass unchanged and leave `m` alone.
 *
 * Like Riemann, `m` starts at 0, so the first outputs are pulled towards 0
 * (the first is `r * x`).
 *
 * @example
 * ewmaTimeless(ctx, 0.2, where(ctx, (e) => (e.metric ?? 0) > 0.9, page));
 */
export function ewmaTimeless(ctx: StreamContext, r: number, ...children: Stream<Event>[]): Stream<Event> {
  checkPositive("ewmaTimeless", "r", r);
  if (r > 1) throw new RangeError(`ewmaTimeless: r must be in (0, 1], got ${r}`);
  const out = fanout(ctx, "ewmaTimeless", children);
  const keep = 1 - r;
  let m = 0;
  return function ewmaTimelessStream(e: Event): void {
    const x = e.metric;
    if (x === undefined) {
      out(e);
      return;
    }
    m = r * x + keep * m;
    out({ ...e, metric: m });
  };
}

/**
 * EWMA by event time with a half-life: the first event with a metric seeds
 * the average with its metric; each later one, `dt` seconds of event time
 * (`e.time`) after the previous one, sets `m = d * m + (1 - d) * x` with
 * `d = 0.5 ^ (dt / halflifeSeconds)` (Riemann's decay `e^(ln ½ / halflife)`
 * per second), and every metric event is passed on with metric `m`. An old
 * value therefore loses half its weight per half-life of event time,
 * however many events arrive in between.
 *
 * An event at the same time as the previous one, or earlier (out of order),
 * has `dt` taken as 0: it gets no weight and the average is re-emitted
 * unchanged; event time never moves backwards. Events without a metric,
 * expired events among them, pass unchanged and leave the average alone. Uses
 * event time only, never the clock.
 *
 * Differs from Riemann: the average is seeded with the first metric instead
 * of starting from 0.
 *
 * @example
 * // Load smoothed over roughly a minute.
 * ewma(ctx, 60, withFields(ctx, { service: "load smoothed" }, index));
 */
export function ewma(ctx: StreamContext, halflifeSeconds: number, ...children: Stream<Event>[]): Stream<Event> {
  checkPositive("ewma", "halflifeSeconds", halflifeSeconds);
  const out = fanout(ctx, "ewma", children);
  let seeded = false;
  let m = 0;
  let last = 0;
  return function ewmaStream(e: Event): void {
    const x = e.metric;
    if (x === undefined) {
      out(e);
      return;
    }
    if (!seeded) {
      seeded = true;
      m = x;
      last = e.time;
    } else {
      const dt = e.time - last;
      if (dt > 0) {
        const d = Math.pow(0.5, dt / halflifeSeconds);
        m = d * m + (1 - d) * x;
        last = e.time;
      }
    }
    out({ ...e, metric: m });
  };
}
