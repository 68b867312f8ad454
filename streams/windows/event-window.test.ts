/** Tests for `movingEventWindow` and `fixedEventWindow`: windows counted in events. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Event } from "../event.ts";
import { collect, ev, testContext } from "../test-support.ts";
import { fixedEventWindow, movingEventWindow } from "./event-window.ts";

const metrics = (vs: readonly (readonly Event[])[]): (number | undefined)[][] => vs.map((v) => v.map((e) => e.metric));

describe("movingEventWindow", () => {
  it("emits the last n inputs, oldest first, on each input", () => {
    const { ctx } = testContext(0);
    const sink = collect<readonly Event[]>();
    const s = movingEventWindow(ctx, 3, sink.stream);
    for (let m = 1; m <= 5; m++) s(ev({ metric: m }));
    assert.deepEqual(metrics(sink.items), [[1], [1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5]]);
  });

  it("keeps expired events as members and ignores time", () => {
    const { ctx, clock } = testContext(0);
    const sink = collect<readonly Event[]>();
    const s = movingEventWindow(ctx, 2, sink.stream);
    s(ev({ state: "ok", time: 500 }));
    s(ev({ state: "expired", time: 1 }));
    assert.deepEqual(sink.items[1]!.map((e) => e.state), ["ok", "expired"]);
    assert.equal(clock.pending, 0);
  });
});

describe("fixedEventWindow", () => {
  it("emits non-overlapping groups of exactly n, never a partial one", () => {
    const { ctx } = testContext(0);
    const sink = collect<readonly Event[]>();
    const s = fixedEventWindow(ctx, 2, sink.stream);
    for (let m = 1; m <= 5; m++) s(ev({ metric: m }));
    assert.deepEqual(metrics(sink.items), [[1, 2], [3, 4]]);
  });

  it("keeps expired events as members", () => {
    const { ctx } = testContext(0);
    const sink = collect<readonly Event[]>();
    const s = fixedEventWindow(ctx, 2, sink.stream);
    s(ev({ state: "expired" }));
    s(ev({ state: "ok" }));
    assert.deepEqual(sink.items.map((v) => v.map((e) => e.state)), [["expired", "ok"]]);
  });

  it("rejects n < 1", () => {
    const { ctx } = testContext(0);
    assert.throws(() => fixedEventWindow(ctx, 0), /fixedEventWindow: n must be an integer >= 1/);
    assert.throws(() => movingEventWindow(ctx, 1.5), /movingEventWindow: n must be an integer >= 1/);
  });
});
