/** Tests for `movingTimeWindow`: an event-time horizon, emitted on each event. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Event } from "../event.ts";
import { collect, ev, testContext } from "../test-support.ts";
import { movingTimeWindow } from "./moving-time-window.ts";

const times = (vs: readonly (readonly Event[])[]): number[][] => vs.map((v) => v.map((e) => e.time));

describe("movingTimeWindow", () => {
  it("emits, on each event, those later than latest time − seconds, in arrival order", () => {
    const { ctx } = testContext(0);
    const sink = collect<readonly Event[]>();
    const s = movingTimeWindow(ctx, 10, sink.stream);
    for (const t of [0, 5, 10, 9, 20, 25]) s(ev({ time: t }));
    assert.deepEqual(times(sink.items), [[0], [0, 5], [5, 10], [5, 10, 9], [20], [20, 25]]);
  });

  it("drops an event at or before the cutoff without emitting", () => {
    const { ctx } = testContext(0);
    const sink = collect<readonly Event[]>();
    const s = movingTimeWindow(ctx, 10, sink.stream);
    s(ev({ time: 100 }));
    s(ev({ time: 90 }));
    s(ev({ time: 85 }));
    assert.deepEqual(times(sink.items), [[100]]);
  });

  it("uses event time only: the engine clock and timers play no part", () => {
    const { ctx, clock } = testContext(1_000_000);
    const sink = collect<readonly Event[]>();
    const s = movingTimeWindow(ctx, 10, sink.stream);
    s(ev({ time: 1 }));
    clock.advanceBy(3600);
    s(ev({ time: 2 }));
    assert.deepEqual(times(sink.items), [[1], [1, 2]]);
    assert.equal(clock.pending, 0);
  });

  it("keeps expired events as ordinary members, placed by their time", () => {
    const { ctx } = testContext(0);
    const sink = collect<readonly Event[]>();
    const s = movingTimeWindow(ctx, 10, sink.stream);
    s(ev({ time: 1, state: "ok" }));
    s(ev({ time: 4, state: "expired" }));
    assert.deepEqual(sink.items[1]!.map((e) => e.state), ["ok", "expired"]);
  });

  it("emits a fresh array each time", () => {
    const { ctx } = testContext(0);
    const sink = collect<readonly Event[]>();
    const s = movingTimeWindow(ctx, 10, sink.stream);
    s(ev({ time: 1 }));
    s(ev({ time: 2 }));
    assert.equal(sink.items[0]!.length, 1);
  });
});
