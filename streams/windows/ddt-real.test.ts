/** Tests for `ddtReal`: the slope between the last samples of successive windows, once per window. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { collect, ev, testContext } from "../test-support.ts";
import { ddtReal } from "./ddt-real.ts";

describe("ddtReal", () => {
  it("emits Δmetric/Δtime between the last samples of successive windows, at each window's end", () => {
    const { ctx, clock } = testContext(0);
    const sink = collect();
    const s = ddtReal(ctx, 10, sink.stream);
    for (const [t, m] of [[1, 100], [5, 150], [12, 200], [18, 500], [35, 1200]] as const) {
      clock.advanceTo(t);
      s(ev({ time: t, metric: m }));
    }
    clock.advanceTo(100);
    // windows: 0-10 last (5,150); 10-20 last (18,500); 30-40 last (35,1200)
    assert.deepEqual(sink.items.map((e) => [e.time, e.metric]), [[20, 350 / 13], [40, 700 / 17]]);
    assert.equal(clock.pending, 0);
  });

  it("drops both samples on an expired event, so no slope spans an expiry", () => {
    const { ctx, clock } = testContext(0);
    const sink = collect();
    const s = ddtReal(ctx, 10, sink.stream);
    s(ev({ time: 0, metric: 0 }));
    clock.advanceTo(12);
    s(ev({ time: 12, metric: 10 }));
    s(ev({ time: 12, state: "expired" }));
    clock.advanceTo(25);
    s(ev({ time: 25, metric: 99 }));
    clock.advanceTo(35);
    s(ev({ time: 35, metric: 109 }));
    clock.advanceTo(100);
    assert.deepEqual(sink.items.map((e) => [e.time, e.metric]), [[40, 1]]);
  });
});
