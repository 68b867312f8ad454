/**
 * `ddt`: the rate of change of a metric between consecutive events, for
 * turning ever-growing counters (bytes sent, tasks failed) into per-second
 * rates.
 */
import type { Event } from "../event.ts";
import { fanout, type Stream, type StreamContext } from "../stream.ts";

/**
 * For each event with a metric after the first, emits that event with metric
 * `(metric - previous.metric) / (time - previous.time)`: the derivative per
 * second of event time against the previous event with a metric. The first
 * metric event emits nothing (it only becomes "previous").
 *
 * - Same time as the previous event (`Δtime = 0`): nothing is emitted, and the
 *   event replaces the previous one (Riemann does the same).
 * - Earlier than the previous event (`Δtime < 0`, out of order): nothing is
 *   emitted and the event is ignored; the previous event stays.
 * - Events without a metric, expired events among them, are dropped (as in
 *   Riemann's `ddt`); they do not reset anything.
 *
 * Riemann's `(ddt …)` without an interval (`ddt-events`); the periodic form
 * belongs with the windows. Uses event time only, never the clock.
 *
 * @example
 * // Bytes/s from a byte counter, per host.
 * by(ctx, "host", () => ddt(ctx, withFields(ctx, { service: "net rx rate" }, index)));
 */
export function ddt(ctx: StreamContext, ...children: Stream<Event>[]): Stream<Event> {
  const out = fanout(ctx, "ddt", children);
  let prev: Event | undefined;
  return function ddtStream(e: Event): void {
    const m = e.metric;
    if (m === undefined) return;
    if (prev === undefined) {
      prev = e;
      return;
    }
    const dt = e.time - prev.time;
    if (dt < 0) return;
    const before = prev;
    prev = e;
    if (dt === 0) return;
    out({ ...e, metric: (m - before.metric!) / dt });
  };
}
