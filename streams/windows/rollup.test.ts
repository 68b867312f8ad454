/** Tests for `rollup`: `count` sends per window, excess flushed as one vector at the window's end. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Event } from "../event.ts";
import { collect, ev, testContext } from "../test-support.ts";
import { rollup } from "./rollup.ts";

const metrics = (vs: readonly (readonly Event[])[]): (number | undefined)[][] => vs.map((v) => v.map((e) => e.metric));

describe("rollup", () => {
  it("pins Riemann's test: (rollup 2 1) on 1 2 | 3 4 5 6 7 | :foo → [1] [2] [3] [4] [5 6 7] [:foo]", () => {
    const { ctx, clock } = testContext(0);
    const sink = collect<readonly Event[]>();
    const s = rollup(ctx, 2, 1, sink.stream);
    for (const m of [1, 2]) s(ev({ metric: m }));
    clock.advanceTo(1);
    for (const m of [3, 4, 5, 6, 7]) s(ev({ metric: m }));
    assert.deepEqual(metrics(sink.items), [[1], [2], [3], [4]], "5 6 7 wait for the window's end");
    clock.advanceTo(2);
    s(ev({ service: "foo" }));
    assert.deepEqual(metrics(sink.items), [[1], [2], [3], [4], [5, 6, 7], [undefined]]);
    assert.equal(sink.items[5]![0]!.service, "foo");
  });

  it("counts the flush as one send in the directly following window only", () => {
    const { ctx, clock } = testContext(0);
    const sink = collect<readonly Event[]>();
    const s = rollup(ctx, 1, 10, sink.stream);
    s(ev({ metric: 1 }));
    s(ev({ metric: 2 }));
    clock.advanceTo(10); // [2] flushed at 10
    s(ev({ metric: 3 })); // window 10-20 already had its one send: buffered
    clock.advanceTo(20);
    assert.deepEqual(metrics(sink.items), [[1], [2], [3]]);
    clock.advanceTo(45); // idle gap: window 40-50 did not follow a flush
    s(ev({ metric: 4 }));
    assert.deepEqual(metrics(sink.items), [[1], [2], [3], [4]]);
  });

  it("treats expired events like any other input", () => {
    const { ctx, clock } = testContext(0);
    const sink = collect<readonly Event[]>();
    const s = rollup(ctx, 1, 5, sink.stream);
    s(ev({ state: "ok" }));
    s(ev({ state: "expired" }));
    clock.advanceTo(5);
    assert.deepEqual(sink.items.map((v) => v.map((e) => e.state)), [["ok"], ["expired"]]);
  });

  it("arms a timer only while it buffers, and none after the flush", () => {
    const { ctx, clock } = testContext(0);
    const s = rollup(ctx, 1, 5, () => {});
    s(ev());
    assert.equal(clock.pending, 0);
    s(ev());
    s(ev());
    assert.equal(clock.pending, 1);
    clock.advanceTo(100);
    assert.equal(clock.pending, 0);
  });
});
