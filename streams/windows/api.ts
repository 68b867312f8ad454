/**
 * The windowed combinators of this folder bound to a context, as rule authors see them
 * (no `ctx` argument). Each member's contract, clock and differences from Riemann are
 * documented on the combinator it binds (`throttle.ts`, `rate.ts`, ...).
 */
import type { Event } from "../event.ts";
import type { Events, Stream, StreamContext } from "../stream.ts";
import { batch } from "./batch.ts";
import { coalesce } from "./coalesce.ts";
import { ddtReal } from "./ddt-real.ts";
import { fixedEventWindow, movingEventWindow } from "./event-window.ts";
import { fixedTimeWindow } from "./fixed-time-window.ts";
import { movingTimeWindow } from "./moving-time-window.ts";
import { percentiles } from "./percentiles.ts";
import { rate } from "./rate.ts";
import { rollup } from "./rollup.ts";
import { stable } from "./stable.ts";
import { throttle } from "./throttle.ts";

/** The windowed combinators, bound to one context. */
export interface WindowStreams {
  /** At most `count` inputs per `seconds` window (engine clock); the rest are dropped. See `throttle`. */
  throttle<T = Event>(count: number, seconds: number, ...children: Stream<T>[]): Stream<T>;
  /** At most `count` invocations per window, with vectors; the excess is flushed at the window's end. See `rollup`. */
  rollup<T = Event>(count: number, seconds: number, ...children: Stream<readonly T[]>[]): Stream<T>;
  /** Vectors of up to `count` inputs, emitted when full or `seconds` after their first input. See `batch`. */
  batch<T = Event>(count: number, seconds: number, ...children: Stream<readonly T[]>[]): Stream<T>;
  /** Sum of metrics per window / `seconds`, once per window while the source is alive. See `rate`. */
  rate(seconds: number, ...children: Stream<Event>[]): Stream<Event>;
  /** One event per point (nearest rank) per window, service suffixed with the point. See `percentiles`. */
  percentiles(seconds: number, points: readonly number[], ...children: Stream<Event>[]): Stream<Event>;
  /** Latest event per (host, service), all of them every `seconds` while any are remembered. See `coalesce`. */
  coalesce(seconds: number, ...children: Stream<Events>[]): Stream<Event>;
  /** On each event, the events of the last `seconds` of event time. See `movingTimeWindow`. */
  movingTimeWindow(seconds: number, ...children: Stream<Events>[]): Stream<Event>;
  /** Tumbling event-time windows, flushed by a later event or after a grace on the engine clock. See `fixedTimeWindow`. */
  fixedTimeWindow(seconds: number, ...children: Stream<Events>[]): Stream<Event>;
  /** On each event, the last `n` events. See `movingEventWindow`. */
  movingEventWindow(n: number, ...children: Stream<Events>[]): Stream<Event>;
  /** Successive groups of exactly `n` events. See `fixedEventWindow`. */
  fixedEventWindow(n: number, ...children: Stream<Events>[]): Stream<Event>;
  /** Passes events only once `key(e)` has held for `seconds` (engine clock). See `stable`. */
  stable(seconds: number, key: (e: Event) => unknown, ...children: Stream<Event>[]): Stream<Event>;
  /** Δmetric/Δtime between the last samples of successive windows, once per window. See `ddtReal`. */
  ddtReal(seconds: number, ...children: Stream<Event>[]): Stream<Event>;
}

/**
 * Binds every windowed combinator in this folder to `ctx`.
 *
 * @example
 * const w = bindWindows(ctx);
 * const rule = w.rate(10, w.throttle(1, 60, page));
 */
export function bindWindows(ctx: StreamContext): WindowStreams {
  return {
    throttle: <T = Event>(count: number, seconds: number, ...children: Stream<T>[]): Stream<T> => throttle<T>(ctx, count, seconds, ...children),
    rollup: <T = Event>(count: number, seconds: number, ...children: Stream<readonly T[]>[]): Stream<T> => rollup<T>(ctx, count, seconds, ...children),
    batch: <T = Event>(count: number, seconds: number, ...children: Stream<readonly T[]>[]): Stream<T> => batch<T>(ctx, count, seconds, ...children),
    rate: (seconds: number, ...children: Stream<Event>[]): Stream<Event> => rate(ctx, seconds, ...children),
    percentiles: (seconds: number, points: readonly number[], ...children: Stream<Event>[]): Stream<Event> => percentiles(ctx, seconds, points, ...children),
    coalesce: (seconds: number, ...children: Stream<Events>[]): Stream<Event> => coalesce(ctx, seconds, ...children),
    movingTimeWindow: (seconds: number, ...children: Stream<Events>[]): Stream<Event> => movingTimeWindow(ctx, seconds, ...children),
    fixedTimeWindow: (seconds: number, ...children: Stream<Events>[]): Stream<Event> => fixedTimeWindow(ctx, seconds, ...children),
    movingEventWindow: (n: number, ...children: Stream<Events>[]): Stream<Event> => movingEventWindow(ctx, n, ...children),
    fixedEventWindow: (n: number, ...children: Stream<Events>[]): Stream<Event> => fixedEventWindow(ctx, n, ...children),
    stable: (seconds: number, key: (e: Event) => unknown, ...children: Stream<Event>[]): Stream<Event> => stable(ctx, seconds, key, ...children),
    ddtReal: (seconds: number, ...children: Stream<Event>[]): Stream<Event> => ddtReal(ctx, seconds, ...children),
  };
}
