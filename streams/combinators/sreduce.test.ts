/** Tests for `sreduce` and `sreduceFromFirst`. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { expire, type Event } from "../event.ts";
import { collect, ev, testContext } from "../test-support.ts";
import { sreduce, sreduceFromFirst } from "./sreduce.ts";

describe("sreduce", () => {
  it("emits the accumulator after every input, starting from init", () => {
    const { ctx } = testContext();
    const out = collect<number>();
    const s = sreduce(ctx, (acc: number, e: Event) => acc + (e.metric ?? 0), 10, out.stream);
    s(ev({ metric: 1 }));
    s(ev({ metric: 2 }));
    s(expire(ev(), 3)); // expired: no metric, reduced like any other
    assert.deepEqual(out.items, [11, 13, 13]);
  });

  it("keeps the accumulator when f throws, and emits nothing for that input", () => {
    const { ctx, errors } = testContext();
    const out = collect<number>();
    const s = sreduce(ctx, (acc: number, e: Event) => {
      if (e.metric === undefined) throw new Error("x");
      return acc + e.metric;
    }, 0, out.stream);
    s(ev({ metric: 1 }));
    s(ev());
    s(ev({ metric: 1 }));
    assert.deepEqual(out.items, [1, 2]);
    assert.equal(errors[0]?.where, "sreduce");
  });
});

describe("sreduceFromFirst", () => {
  it("seeds with the first input without emitting it, then emits f(acc, input)", () => {
    const { ctx } = testContext();
    const out = collect();
    const s = sreduceFromFirst(ctx, (acc: Event, e: Event) => ({ ...e, metric: Math.max(acc.metric ?? -Infinity, e.metric ?? -Infinity) }), out.stream);
    for (const m of [5, 3, 9, 1]) s(ev({ metric: m }));
    assert.deepEqual(out.items.map((e) => e.metric), [5, 9, 9]);
  });
});
