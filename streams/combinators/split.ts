/**
 * `split`: routes each event to the first of several streams whose predicate
 * matches, with an optional fallback. The if / else-if / else of rules
 * ("critical above 0.9, warning above 0.75, ok otherwise").
 */
import type { Event } from "../event.ts";
import { fanout, type Stream, type StreamContext } from "../stream.ts";
import { checkFunction } from "./checks.ts";

/** One branch of `split`: a predicate and the stream that gets the events it matches. */
export type SplitCase = readonly [pred: (e: Event) => boolean, stream: Stream<Event>];

/**
 * Sends each event to the stream of the first case whose predicate is true,
 * or to `otherwise` when none is; predicates after the first match are not
 * called. With no match and no `otherwise`, the event is dropped. Expired
 * events are routed like any other event.
 *
 * A predicate that throws is reported through `ctx.onError` (where "split")
 * and that event is dropped; a branch stream that throws is reported the same
 * way.
 *
 * Differs from Riemann: predicates are functions (Riemann's `split*`), and
 * nothing throws when no case matches (Riemann's `splitp` throws
 * `IllegalArgumentException`).
 *
 * @example
 * const classify = split(ctx, [
 *   [(e) => (e.metric ?? 0) > 0.9, withFields(ctx, { state: "critical" }, index)],
 *   [(e) => (e.metric ?? 0) > 0.75, withFields(ctx, { state: "warning" }, index)],
 * ], withFields(ctx, { state: "ok" }, index));
 */
export function split(ctx: StreamContext, cases: readonly SplitCase[], otherwise?: Stream<Event>): Stream<Event> {
  const preds = cases.map(([pred], i) => checkFunction("split", `cases[${i}] predicate`, pred));
  const outs = cases.map(([, stream], i) => fanout(ctx, "split", [checkFunction("split", `cases[${i}] stream`, stream)]));
  const fallback = otherwise === undefined ? undefined : fanout(ctx, "split", [checkFunction("split", "otherwise", otherwise)]);
  const n = preds.length;
  const onError = ctx.onError;
  return function splitStream(e: Event): void {
    for (let i = 0; i < n; i++) {
      let hit: boolean;
      try {
        hit = preds[i]!(e);
      } catch (err) {
        onError(err, "split", e);
        return;
      }
      if (hit) {
        outs[i]!(e);
        return;
      }
    }
    if (fallback !== undefined) fallback(e);
  };
}
