/**
 * `sreduce` and `sreduceFromFirst`: a running reduction that emits its
 * accumulator after every input, for running maxima, running sums of a
 * custom kind, or a cumulative fold over events.
 */
import { fanout, type Stream, type StreamContext } from "../stream.ts";
import { checkFunction } from "./checks.ts";

/**
 * Running reduce with an initial value: keeps an accumulator, starting at
 * `init`; on each input sets it to `f(acc, input)` and passes it to every
 * child (including `undefined` or `null` results, which become the next
 * `acc`). Expired events are given to `f` like any other.
 *
 * `f` should be free of side effects. A throw from `f` is reported through
 * `ctx.onError` (where "sreduce"); the accumulator keeps its previous value
 * and nothing is emitted.
 *
 * Riemann's `(sreduce f val …)`. The form without an initial value is
 * `sreduceFromFirst`, a separate function, so that no argument's meaning
 * depends on its type.
 *
 * @example
 * // Number of events seen so far, as a plain number.
 * sreduce(ctx, (n: number, _e: Event) => n + 1, 0, (n) => console.log(n));
 */
export function sreduce<T, A>(ctx: StreamContext, f: (acc: A, input: T) => A, init: A, ...children: Stream<A>[]): Stream<T> {
  checkFunction("sreduce", "f", f);
  const out = fanout(ctx, "sreduce", children);
  const onError = ctx.onError;
  let acc = init;
  return function sreduceStream(input: T): void {
    let next: A;
    try {
      next = f(acc, input);
    } catch (err) {
      onError(err, "sreduce", input);
      return;
    }
    acc = next;
    out(next);
  };
}

/**
 * Running reduce seeded by the first input: the first input becomes the
 * accumulator and is *not* emitted; every later input sets the accumulator to
 * `f(acc, input)` and passes it to every child. Riemann's `(sreduce f …)`
 * without a value.
 *
 * A throw from `f` is reported through `ctx.onError` (where
 * "sreduceFromFirst"); the accumulator keeps its previous value and nothing
 * is emitted.
 *
 * @example
 * // Each event with the largest metric seen so far.
 * sreduceFromFirst(ctx, (acc: Event, e: Event) => ({ ...e, metric: Math.max(acc.metric ?? -Infinity, e.metric ?? -Infinity) }), index);
 */
export function sreduceFromFirst<T>(ctx: StreamContext, f: (acc: T, input: T) => NoInfer<T>, ...children: Stream<T>[]): Stream<T> {
  checkFunction("sreduceFromFirst", "f", f);
  const out = fanout(ctx, "sreduceFromFirst", children);
  const onError = ctx.onError;
  let seeded = false;
  let acc: T | undefined;
  return function sreduceFromFirstStream(input: T): void {
    if (!seeded) {
      seeded = true;
      acc = input;
      return;
    }
    let next: T;
    try {
      next = f(acc as T, input);
    } catch (err) {
      onError(err, "sreduceFromFirst", input);
      return;
    }
    acc = next;
    out(next);
  };
}
