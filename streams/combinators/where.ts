/**
 * `where`: the basic filter. Passes an event to its children when a
 * predicate holds. It sits on the hot path of almost every rule, so it does
 * one predicate call and one child call per event and allocates nothing.
 */
import type { Event } from "../event.ts";
import { fanout, type Stream, type StreamContext } from "../stream.ts";
import { checkFunction } from "./checks.ts";

/**
 * Passes each event for which `pred(e)` is true to every child (Riemann's
 * `where*`). `pred` is called exactly once per event. Expired events get no
 * special treatment: they pass when `pred` says so (test `e.state` if you want
 * to keep or drop them).
 *
 * A `pred` that throws is reported through `ctx.onError` (where "where") and
 * that event is dropped; the stream keeps working.
 *
 * Differs from Riemann: no `(else …)` children and no expression rewriting;
 * use `split` for if/else routing and plain TypeScript in `pred`.
 *
 * @example
 * const rule = where(ctx, (e) => e.service === "cpu" && (e.metric ?? 0) > 0.9, page);
 */
export function where(ctx: StreamContext, pred: (e: Event) => boolean, ...children: Stream<Event>[]): Stream<Event> {
  checkFunction("where", "pred", pred);
  const onError = ctx.onError;
  if (children.length === 1) {
    // The usual case: the child runs under the same guard, its throw reported as `fanout` would ("where").
    const only = children[0]!;
    return function whereStream(e: Event): void {
      try {
        if (pred(e)) only(e);
      } catch (err) {
        onError(err, "where", e);
      }
    };
  }
  const out = fanout(ctx, "where", children);
  return function whereStream(e: Event): void {
    let pass: boolean;
    try {
      pass = pred(e);
    } catch (err) {
      onError(err, "where", e);
      return;
    }
    if (pass) out(e);
  };
}
