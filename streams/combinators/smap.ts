/**
 * `smap` and `smapcat`: streaming map and flat-map. The way folds are
 * applied to windows (`smap(folds.mean, …)`) and the escape hatch for any
 * per-event transformation a rule needs.
 */
import { fanout, type Stream, type StreamContext } from "../stream.ts";
import { checkFunction } from "./checks.ts";

/**
 * Calls `f` once per input and passes the result to every child, unless the
 * result is `undefined` or `null`, in which case nothing is emitted. The input
 * may be an event or a window of events (anything); expired events are given
 * to `f` like any other.
 *
 * A throw from `f` is reported through `ctx.onError` (where "smap") and that
 * input is dropped.
 *
 * Differs from Riemann: there is no `smap*` (which passes nil on); return a
 * value to emit it.
 *
 * @example
 * // Mean of each 60 s window, indexed as its own service.
 * fixedTimeWindow(ctx, 60, smap(ctx, folds.mean, withFields(ctx, { service: "cpu mean" }, index)));
 * // Double every metric.
 * smap(ctx, (e: Event) => ({ ...e, metric: (e.metric ?? 0) * 2 }), index);
 */
export function smap<A, B>(ctx: StreamContext, f: (input: A) => B | undefined | null, ...children: Stream<B>[]): Stream<A> {
  checkFunction("smap", "f", f);
  const out = fanout(ctx, "smap", children);
  const onError = ctx.onError;
  return function smapStream(input: A): void {
    let value: B | undefined | null;
    try {
      value = f(input);
    } catch (err) {
      onError(err, "smap", input);
      return;
    }
    if (value !== undefined && value !== null) out(value);
  };
}

/**
 * Calls `f` once per input and passes each element of the returned list (or
 * any iterable) to every child, in order. `undefined` or `null` from `f` emits
 * nothing; so does an empty list. Elements are passed as they are (an
 * `undefined` element is passed on).
 *
 * A throw from `f` (or from iterating its result) is reported through
 * `ctx.onError` (where "smapcat"); elements already emitted stay emitted.
 *
 * @example
 * // Mark every event of a coalesced snapshot whose metric is off the mode.
 * coalesce(ctx, 10, smapcat(ctx, (es: readonly Event[]) => es.map((e) => ({ ...e, state: e.metric === mode(es) ? "ok" : "warning" })), index));
 */
export function smapcat<A, B>(ctx: StreamContext, f: (input: A) => Iterable<B> | undefined | null, ...children: Stream<B>[]): Stream<A> {
  checkFunction("smapcat", "f", f);
  const out = fanout(ctx, "smapcat", children);
  const onError = ctx.onError;
  return function smapcatStream(input: A): void {
    try {
      const values = f(input);
      if (values === undefined || values === null) return;
      if (Array.isArray(values)) {
        const list = values as readonly B[];
        for (let i = 0; i < list.length; i++) out(list[i]!);
      } else {
        for (const value of values) out(value);
      }
    } catch (err) {
      onError(err, "smapcat", input);
    }
  };
}
