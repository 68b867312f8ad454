/** Tests for `throttle`: at most `count` per clock-aligned window, excess dropped, no latency, no timers. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Event } from "../event.ts";
import { collect, ev, testContext } from "../test-support.ts";
import { throttle } from "./throttle.ts";

describe("throttle", () => {
  it("passes the first `count` inputs of each window at once and drops the rest", () => {
    const { ctx, clock } = testContext(0);
    const sink = collect();
    const s = throttle(ctx, 2, 10, sink.stream);
    const seen: number[][] = [];
    for (const t of [0, 1, 2, 3, 9.9, 10, 11, 12, 25]) {
      clock.advanceTo(t);
      s(ev({ time: t, metric: t }));
      seen.push(sink.items.map((e) => e.metric!));
    }
    assert.deepEqual(sink.items.map((e) => e.metric), [0, 1, 10, 11, 25]);
    assert.deepEqual(seen[1], [0, 1], "no latency: the second input is out before the clock moves");
  });

  it("aligns windows to multiples of seconds, not to when the stream was created", () => {
    const { ctx, clock } = testContext(5);
    const sink = collect();
    const s = throttle(ctx, 1, 10, sink.stream);
    for (const t of [5, 6, 10, 14]) {
      clock.advanceTo(t);
      s(ev({ time: t, metric: t }));
    }
    assert.deepEqual(sink.items.map((e) => e.metric), [5, 10]);
  });

  it("counts and passes expired events like any other input", () => {
    const { ctx } = testContext(0);
    const sink = collect();
    const s = throttle(ctx, 1, 60, sink.stream);
    s(ev({ state: "expired" }));
    s(ev({ state: "critical" }));
    assert.deepEqual(sink.items.map((e) => e.state), ["expired"]);
  });

  it("arms no timer at all", () => {
    const { ctx, clock } = testContext(0);
    const s = throttle(ctx, 1, 60);
    for (let i = 0; i < 5; i++) s(ev());
    assert.equal(clock.pending, 0);
  });

  it("throttles vectors too", () => {
    const { ctx } = testContext(0);
    const sink = collect<readonly Event[]>();
    const s = throttle<readonly Event[]>(ctx, 1, 1, sink.stream);
    s([ev()]);
    s([ev(), ev()]);
    assert.equal(sink.items.length, 1);
  });

  it("rejects a count that is not an integer >= 1", () => {
    const { ctx } = testContext(0);
    assert.throws(() => throttle(ctx, 0, 1), /throttle: count must be an integer >= 1, got 0/);
    assert.throws(() => throttle(ctx, 1, -1), /throttle: seconds must be a finite number > 0/);
  });
});
