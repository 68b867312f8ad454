/**
 * `batch`: groups inputs into vectors by size or by age, whichever comes
 * first. For sinks that prefer bulk writes (Elasticsearch, e-mail, HTTP).
 */
import type { Event } from "../event.ts";
import { fanout, type Stream, type StreamContext } from "../stream.ts";
import { TimeBuckets } from "./buckets.ts";
import { checkCount } from "./params.ts";

/**
 * Buffers inputs and emits them as one vector (in arrival order) as soon as
 * `count` have accumulated, or when `seconds` have passed since the first
 * input of the batch, whichever comes first. Nothing is dropped; an input
 * waits at most `seconds`. Expired events are batched like any other input.
 *
 * Clock: the engine clock at arrival. The age limit runs from the first
 * buffered input (`TimeBuckets` with `align: "input"`), one timer per
 * pending batch; an empty batch arms none.
 *
 * Differs from Riemann: Riemann's `batch` rides `part-time-simple`, so a
 * partial batch goes out at the end of a window aligned to the stream's
 * creation; here the time limit runs from the batch's own first input, so
 * every input waits at most `seconds` and the result does not depend on when
 * the rule was loaded.
 *
 * @example
 * // Bulk-index up to 500 events at a time, never holding one longer than 2 s.
 * const toElastic = batch(ctx, 500, 2, bulkIndex);
 */
export function batch<T = Event>(ctx: StreamContext, count: number, seconds: number, ...children: Stream<readonly T[]>[]): Stream<T> {
  checkCount("batch", "count", count);
  const out = fanout(ctx, "batch", children);
  let buffer: T[] = [];
  const windows = new TimeBuckets(ctx, { name: "batch", seconds, align: "input" }, {
    open() {},
    finish() {
      const full = buffer;
      buffer = [];
      out(full);
      return false;
    },
  });
  return function batchStream(input: T): void {
    windows.enter(ctx.clock.now());
    buffer.push(input);
    if (buffer.length >= count) windows.cut();
    else windows.hold();
  };
}
