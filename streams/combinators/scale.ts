/**
 * `scale`: multiply metrics by a constant, for unit conversions (bytes to
 * GiB, milliseconds to seconds) on the way into an index or a threshold.
 */
import type { Event } from "../event.ts";
import { fanout, type Stream, type StreamContext } from "../stream.ts";
import { checkFinite } from "./checks.ts";

/**
 * Passes every event with its metric multiplied by `factor`. Events without
 * a metric (expired events among them) pass unchanged (the same object).
 *
 * @example
 * // Bytes to kibibytes.
 * scale(ctx, 1 / 1024, index);
 */
export function scale(ctx: StreamContext, factor: number, ...children: Stream<Event>[]): Stream<Event> {
  checkFinite("scale", "factor", factor);
  const out = fanout(ctx, "scale", children);
  return function scaleStream(e: Event): void {
    const m = e.metric;
    out(m === undefined ? e : { ...e, metric: m * factor });
  };
}
