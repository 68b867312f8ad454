/** Tests for `batch`: vectors when full or `seconds` after their first input. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Event } from "../event.ts";
import { collect, ev, testContext } from "../test-support.ts";
import { batch } from "./batch.ts";

describe("batch", () => {
  it("emits as soon as `count` inputs have accumulated", () => {
    const { ctx } = testContext(0);
    const sink = collect<readonly Event[]>();
    const s = batch(ctx, 3, 10, sink.stream);
    for (let m = 1; m <= 7; m++) s(ev({ metric: m }));
    assert.deepEqual(sink.items.map((v) => v.map((e) => e.metric)), [[1, 2, 3], [4, 5, 6]]);
  });

  it("emits a partial batch `seconds` after its first input (not at an aligned boundary)", () => {
    const { ctx, clock } = testContext(0);
    const sink = collect<readonly Event[]>();
    const s = batch(ctx, 100, 2, sink.stream);
    clock.advanceTo(3.5);
    s(ev({ metric: 1 }));
    clock.advanceTo(5);
    s(ev({ metric: 2 }));
    clock.advanceTo(5.49);
    assert.equal(sink.items.length, 0);
    clock.advanceTo(5.5);
    assert.deepEqual(sink.items.map((v) => v.map((e) => e.metric)), [[1, 2]]);
    assert.equal(clock.pending, 0);
  });

  it("times each batch from its own first input after a full one", () => {
    const { ctx, clock } = testContext(0);
    const sink = collect<readonly Event[]>();
    const s = batch(ctx, 2, 10, sink.stream);
    s(ev({ metric: 1 }));
    clock.advanceTo(4);
    s(ev({ metric: 2 })); // full at 4
    clock.advanceTo(8);
    s(ev({ metric: 3 })); // new batch, due at 18
    clock.advanceTo(17.9);
    assert.equal(sink.items.length, 1);
    clock.advanceTo(18);
    assert.deepEqual(sink.items.map((v) => v.map((e) => e.metric)), [[1, 2], [3]]);
    assert.equal(clock.pending, 0);
  });

  it("batches expired events like any other input", () => {
    const { ctx } = testContext(0);
    const sink = collect<readonly Event[]>();
    const s = batch(ctx, 2, 10, sink.stream);
    s(ev({ state: "expired" }));
    s(ev({ state: "ok" }));
    assert.deepEqual(sink.items.map((v) => v.map((e) => e.state)), [["expired", "ok"]]);
  });

  it("with count 1 passes each input alone and arms no timer", () => {
    const { ctx, clock } = testContext(0);
    const sink = collect<readonly Event[]>();
    const s = batch(ctx, 1, 10, sink.stream);
    s(ev());
    s(ev());
    assert.equal(sink.items.length, 2);
    assert.equal(clock.pending, 0);
  });
});
