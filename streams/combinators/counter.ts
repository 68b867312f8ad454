/**
 * `counter`: a running sum of metrics, for turning per-interval increments
 * (tasks failed since the last report) into a total, with a way to reset it.
 */
import type { Event } from "../event.ts";
import { fanout, type Stream, type StreamContext } from "../stream.ts";

/**
 * Keeps a running sum, starting at 0. An event with a metric adds it to the
 * sum and is passed on with its metric replaced by the sum; an event tagged
 * "reset" with a metric sets the sum to that metric instead (and is passed on
 * with it). Events without a metric, expired events among them, pass
 * unchanged and leave the sum alone.
 *
 * Differs from Riemann: no leading initial-value argument (whose meaning
 * depended on its type); start from another value by sending a "reset" event.
 *
 * @example
 * // Total failed tasks per host.
 * by(ctx, "host", () => counter(ctx, withFields(ctx, { service: "tasks failed total" }, index)));
 */
export function counter(ctx: StreamContext, ...children: Stream<Event>[]): Stream<Event> {
  const out = fanout(ctx, "counter", children);
  let sum = 0;
  return function counterStream(e: Event): void {
    const m = e.metric;
    if (m === undefined) {
      out(e);
      return;
    }
    sum = e.tags !== undefined && e.tags.includes("reset") ? m : sum + m;
    out({ ...e, metric: sum });
  };
}
