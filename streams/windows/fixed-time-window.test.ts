/** Tests for `fixedTimeWindow`: aligned event-time windows, closed by a later event or a grace on the engine clock. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Event } from "../event.ts";
import { collect, ev, testContext } from "../test-support.ts";
import { FIXED_TIME_WINDOW_GRACE, fixedTimeWindow } from "./fixed-time-window.ts";

const times = (vs: readonly (readonly Event[])[]): number[][] => vs.map((v) => v.map((e) => e.time));

describe("fixedTimeWindow", () => {
  it("groups by aligned event-time windows, emitting one when a later window's event arrives", () => {
    const { ctx, clock } = testContext(0);
    const sink = collect<readonly Event[]>();
    const s = fixedTimeWindow(ctx, 10, sink.stream);
    for (const t of [3, 7, 9.99, 10, 15]) {
      clock.advanceTo(t);
      s(ev({ time: t }));
    }
    assert.deepEqual(times(sink.items), [[3, 7, 9.99]]);
  });

  it("does not emit empty windows for a gap", () => {
    const { ctx } = testContext(0);
    const sink = collect<readonly Event[]>();
    const s = fixedTimeWindow(ctx, 10, sink.stream);
    s(ev({ time: 1 }));
    s(ev({ time: 45 }));
    s(ev({ time: 51 }));
    assert.deepEqual(times(sink.items), [[1], [45]]);
  });

  it("flushes the last window when the engine clock passes its end plus the grace (Riemann #563, #812)", () => {
    const { ctx, clock } = testContext(0);
    const sink = collect<readonly Event[]>();
    const s = fixedTimeWindow(ctx, 10, sink.stream);
    clock.advanceTo(2);
    s(ev({ time: 2 }));
    clock.advanceTo(8);
    s(ev({ time: 8 }));
    clock.advanceTo(10 + FIXED_TIME_WINDOW_GRACE - 0.001);
    assert.equal(sink.items.length, 0);
    clock.advanceTo(10 + FIXED_TIME_WINDOW_GRACE);
    assert.deepEqual(times(sink.items), [[2, 8]]);
    assert.equal(clock.pending, 0, "idle: no timer");
  });

  it("drops late events for a window already emitted", () => {
    const { ctx, clock } = testContext(0);
    const sink = collect<readonly Event[]>();
    const s = fixedTimeWindow(ctx, 10, sink.stream);
    s(ev({ time: 2 }));
    clock.advanceTo(30);
    s(ev({ time: 9 })); // window 0-10 was flushed at 15
    s(ev({ time: 12 }));
    s(ev({ time: 5 })); // older than the open window
    s(ev({ time: 31 }));
    assert.deepEqual(times(sink.items), [[2], [12]]);
  });

  it("does not cut a window while a backlog for it is still arriving, long after its end", () => {
    const { ctx, clock } = testContext(1000);
    const sink = collect<readonly Event[]>();
    const s = fixedTimeWindow(ctx, 10, sink.stream);
    for (let i = 0; i < 10; i++) {
      s(ev({ time: i }));
      clock.advanceBy(1); // one event per second of engine time, all for window 0-10
    }
    assert.equal(sink.items.length, 0);
    clock.advanceBy(FIXED_TIME_WINDOW_GRACE);
    assert.deepEqual(times(sink.items), [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]]);
  });

  it("places expired events by their time like any other", () => {
    const { ctx } = testContext(0);
    const sink = collect<readonly Event[]>();
    const s = fixedTimeWindow(ctx, 10, sink.stream);
    s(ev({ time: 1, state: "ok" }));
    s(ev({ time: 5, state: "expired" }));
    s(ev({ time: 11, state: "ok" }));
    assert.deepEqual(sink.items.map((v) => v.map((e) => e.state)), [["ok", "expired"]]);
  });
});
