/** Tests for `rate`: sum per window / seconds, on time, zeros while alive, then quiet. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULT_TTL } from "../event.ts";
import { collect, ev, testContext } from "../test-support.ts";
import { rate } from "./rate.ts";

describe("rate", () => {
  it("emits sum/seconds at each window's end, using the last metric event as template", () => {
    const { ctx, clock } = testContext(100);
    const sink = collect();
    const s = rate(ctx, 10, sink.stream);
    clock.advanceTo(101);
    s(ev({ host: "a", service: "req", time: 101, metric: 20, ttl: 30 }));
    clock.advanceTo(105);
    s(ev({ host: "a", service: "req", time: 105, metric: 30, ttl: 30, description: "last" }));
    s(ev({ host: "a", service: "req", time: 105, ttl: 30 })); // no metric: adds nothing, not a template
    clock.advanceTo(109.9);
    assert.equal(sink.items.length, 0);
    clock.advanceTo(110);
    assert.equal(sink.items.length, 1);
    const out = sink.items[0]!;
    assert.equal(out.metric, 5);
    assert.equal(out.time, 110);
    assert.equal(out.description, "last");
    assert.equal(out.ttl, 30);
  });

  it("gives the output the default ttl when the input has none, so it can expire (Riemann #390)", () => {
    const { ctx, clock } = testContext(0);
    const sink = collect();
    const s = rate(ctx, 5, sink.stream);
    s(ev({ time: 0, metric: 1 }));
    clock.advanceTo(5);
    assert.equal(sink.items[0]!.ttl, DEFAULT_TTL);
  });

  it("keeps emitting zeros while the latest input is unexpired, then stops and arms no timer", () => {
    const { ctx, clock } = testContext(0);
    const sink = collect();
    const s = rate(ctx, 10, sink.stream);
    clock.advanceTo(2);
    s(ev({ time: 2, metric: 50, ttl: 25 })); // expires at 27
    clock.advanceTo(100);
    assert.deepEqual(
      sink.items.map((e) => [e.time, e.metric]),
      [[10, 5], [20, 0]],
    );
    assert.equal(clock.pending, 0);
    s(ev({ time: 100, metric: 10, ttl: 25 }));
    clock.advanceTo(110);
    assert.deepEqual(sink.items.at(-1)!.metric, 1);
  });

  it("stops after the window in which an expired event arrives, which is still emitted", () => {
    const { ctx, clock } = testContext(0);
    const sink = collect();
    const s = rate(ctx, 10, sink.stream);
    s(ev({ time: 0, metric: 40 }));
    clock.advanceTo(15);
    s(ev({ time: 15, metric: 10 }));
    s(ev({ time: 15, state: "expired", metric: 1000 })); // expired: contributes nothing
    clock.advanceTo(100);
    assert.deepEqual(
      sink.items.map((e) => [e.time, e.metric, e.state]),
      [[10, 4, undefined], [20, 1, undefined]],
    );
    assert.equal(clock.pending, 0);
  });

  it("emits nothing when no input ever carried a metric", () => {
    const { ctx, clock } = testContext(0);
    const sink = collect();
    const s = rate(ctx, 10, sink.stream);
    s(ev({ time: 0 }));
    clock.advanceTo(100);
    assert.equal(sink.items.length, 0);
    assert.equal(clock.pending, 0);
  });
});
