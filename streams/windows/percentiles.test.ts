/** Tests for `percentiles`: nearest-rank samples per window, one event per point. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { collect, ev, testContext } from "../test-support.ts";
import { percentiles } from "./percentiles.ts";

describe("percentiles", () => {
  it("emits the nearest-rank sample floor(n·p) per point, service suffixed, time = window end", () => {
    const { ctx, clock } = testContext(0);
    const sink = collect();
    const s = percentiles(ctx, 10, [0, 0.5, 0.95, 1], sink.stream);
    for (const m of [7, 3, 10, 1, 9, 2, 8, 4, 6, 5]) s(ev({ service: "api", metric: m, time: 1 }));
    clock.advanceTo(10);
    assert.deepEqual(
      sink.items.map((e) => [e.service, e.metric, e.time]),
      [["api 0", 1, 10], ["api 0.5", 6, 10], ["api 0.95", 10, 10], ["api 1", 10, 10]],
    );
  });

  it("ignores expired events and inputs without a metric; an empty window emits nothing", () => {
    const { ctx, clock } = testContext(0);
    const sink = collect();
    const s = percentiles(ctx, 10, [1], sink.stream);
    s(ev({ state: "expired", metric: 1000 }));
    s(ev({}));
    clock.advanceTo(10);
    assert.equal(sink.items.length, 0);
    assert.equal(clock.pending, 0);
    s(ev({ metric: 3 }));
    s(ev({ state: "expired", metric: 1000 }));
    clock.advanceTo(20);
    assert.deepEqual(sink.items.map((e) => e.metric), [3]);
  });

  it("starts each window afresh and quiesces when input stops", () => {
    const { ctx, clock } = testContext(0);
    const sink = collect();
    const s = percentiles(ctx, 5, [0.5], sink.stream);
    s(ev({ metric: 100 }));
    clock.advanceTo(5);
    s(ev({ metric: 1 }));
    clock.advanceTo(50);
    assert.deepEqual(sink.items.map((e) => [e.time, e.metric]), [[5, 100], [10, 1]]);
    assert.equal(clock.pending, 0);
  });

  it("rejects points outside [0, 1]", () => {
    const { ctx } = testContext(0);
    assert.throws(() => percentiles(ctx, 5, [0.5, 95]), /points must be numbers in \[0, 1\], got 95/);
  });
});
