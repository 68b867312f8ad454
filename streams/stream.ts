/**
 * What a stream is, and the context every combinator is built with. A stream
 * is a function of one input (an event, or a window of events); combinators
 * are functions that take settings and child streams and return a stream.
 * `fanout` is how a combinator calls its children: each child in its own
 * try/catch, so a child that throws is reported through the context and its
 * siblings still see the input (Riemann's `call-rescue`).
 */
import type { Clock } from "./clock.ts";
import type { Event } from "./event.ts";
import type { ClusterLink } from "./eventindex/cluster-link.ts";

/** A stream: called once per input, return value ignored. */
export type Stream<T = Event> = (input: T) => void;

/** Either a single event or a window of events: what fans out of windows and folds. */
export type Events = readonly Event[];

/**
 * Everything a combinator may touch besides its input: the clock (for
 * windows, rates and timers) and the error sink. Combinators never read
 * wall time or global state directly.
 */
export interface StreamContext {
  readonly clock: Clock;
  /**
   * Reports a throw from inside a stream. `where` names the combinator
   * whose child threw. The engine counts it and turns it into an event
   * (service "satellite exception", state "error").
   */
  readonly onError: (error: unknown, where: string, input: unknown) => void;
  /**
   * Present when this engine is one of several sharing the hosts (`satellite
   * engine`): the cluster aggregates merge their counts through it. Absent on
   * a single engine, and every combinator behaves as if it were.
   */
  readonly cluster?: ClusterLink | undefined;
}

/** A stream that discards its input (Riemann's `bit-bucket`). */
export const discard: Stream<unknown> = function discard() {};

/**
 * Combines `children` into one stream that calls each in order, isolating
 * throws: a child that throws is reported via `ctx.onError(err, name, input)`
 * and the next child still runs. Specialised for 0, 1 and 2 children so the
 * common case costs one call.
 *
 * @example
 * function where(ctx, pred, ...children) {
 *   const out = fanout(ctx, "where", children);
 *   return function whereStream(e) { if (pred(e)) out(e); };
 * }
 */
export function fanout<T>(ctx: StreamContext, name: string, children: readonly Stream<T>[]): Stream<T> {
  const onError = ctx.onError;
  if (children.length === 0) return discard;
  if (children.length === 1) {
    const only = children[0]!;
    return function fanoutOne(input: T): void {
      try {
        only(input);
      } catch (err) {
        onError(err, name, input);
      }
    };
  }
  if (children.length === 2) {
    const a = children[0]!;
    const b = children[1]!;
    return function fanoutTwo(input: T): void {
      try {
        a(input);
      } catch (err) {
        onError(err, name, input);
      }
      try {
        b(input);
      } catch (err) {
        onError(err, name, input);
      }
    };
  }
  const all = children.slice();
  return function fanoutMany(input: T): void {
    for (let i = 0; i < all.length; i++) {
      try {
        all[i]!(input);
      } catch (err) {
        onError(err, name, input);
      }
    }
  };
}

/**
 * Runs `fn`, reporting a throw through the context instead of propagating:
 * for calls into user code from timers (window flushes, periodic emits).
 */
export function guarded(ctx: StreamContext, name: string, fn: () => void): void {
  try {
    fn();
  } catch (err) {
    ctx.onError(err, name, undefined);
  }
}
