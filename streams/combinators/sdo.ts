/**
 * `sdo`: several streams as one. Binds a group of children to a single
 * stream value, so a rule can hand "all of these" to a combinator that takes
 * one stream (a `split` branch, a `by` factory).
 */
import { fanout, type Stream, type StreamContext } from "../stream.ts";

/**
 * Passes every input to each child in order. Each child is isolated: a child
 * that throws is reported through `ctx.onError` (where "sdo") and the next
 * child still runs. With no children it discards its input; with one it is
 * that child (wrapped in the isolation). Works on events and on windows
 * alike; expired events pass like any other.
 *
 * @example
 * const alertAndIndex = sdo(ctx, index, throttle(ctx, 1, 300, page));
 * split(ctx, [[(e) => e.state === "critical", alertAndIndex]], index);
 */
export function sdo<T>(ctx: StreamContext, ...children: Stream<T>[]): Stream<T> {
  return fanout(ctx, "sdo", children);
}
