/** Tests for `stable`: values pass only after holding for `seconds` of engine-clock time. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { collect, ev, testContext } from "../test-support.ts";
import { stable } from "./stable.ts";

describe("stable", () => {
  it("holds a new value back for `seconds`, then emits the buffer and passes later inputs at once", () => {
    const { ctx, clock } = testContext(0);
    const sink = collect();
    const s = stable(ctx, 10, (e) => e.state, sink.stream);
    const feed = (t: number, state: string): void => {
      clock.advanceTo(t);
      s(ev({ state, metric: t }));
    };
    feed(0, "ok");
    feed(4, "ok");
    assert.equal(sink.items.length, 0);
    clock.advanceTo(10); // timer: ok has held for 10 s
    assert.deepEqual(sink.items.map((e) => e.metric), [0, 4]);
    feed(11, "ok");
    assert.deepEqual(sink.items.map((e) => e.metric), [0, 4, 11], "already stable: passes at once");
    assert.equal(clock.pending, 0);
  });

  it("suppresses flapping: a change before `seconds` discards the buffer", () => {
    const { ctx, clock } = testContext(0);
    const sink = collect();
    const s = stable(ctx, 10, (e) => e.state, sink.stream);
    for (const [t, state] of [[0, "ok"], [3, "critical"], [6, "ok"], [9, "critical"], [12, "ok"]] as const) {
      clock.advanceTo(t);
      s(ev({ state, metric: t }));
    }
    clock.advanceTo(21.9);
    assert.equal(sink.items.length, 0);
    clock.advanceTo(22);
    assert.deepEqual(sink.items.map((e) => [e.state, e.metric]), [["ok", 12]]);
  });

  it("flushes on an input that arrives after `seconds` if that input comes before its timer", () => {
    const { ctx, clock } = testContext(0);
    const sink = collect();
    let calls = 0;
    const s = stable(ctx, 10, (e) => (calls++, e.state), sink.stream);
    // Set before stable's own timer, so at t=10 this input is delivered first.
    clock.setTimer(10, () => s(ev({ state: "ok", metric: 2 })));
    s(ev({ state: "ok", metric: 1 }));
    clock.advanceTo(10);
    assert.deepEqual(sink.items.map((e) => e.metric), [1, 2]);
    assert.equal(calls, 2, "key is called once per input");
    assert.equal(clock.pending, 0, "no timer left once the deadline has passed");
  });

  it("measures stability on the engine clock, ignoring event times", () => {
    const { ctx, clock } = testContext(1000);
    const sink = collect();
    const s = stable(ctx, 10, (e) => e.state, sink.stream);
    s(ev({ state: "ok", time: 0 })); // event time far in the past: Riemann would flush at once
    s(ev({ state: "ok", time: 50 }));
    assert.equal(sink.items.length, 0);
    clock.advanceTo(1010);
    assert.equal(sink.items.length, 2);
  });

  it("treats an expiry as a change: emitted only if nothing else arrives within `seconds`", () => {
    const { ctx, clock } = testContext(0);
    const sink = collect();
    const s = stable(ctx, 10, (e) => e.state, sink.stream);
    s(ev({ state: "ok" }));
    clock.advanceTo(10);
    s(ev({ state: "expired" }));
    clock.advanceTo(15);
    s(ev({ state: "ok" })); // came back: the expiry is discarded
    clock.advanceTo(30);
    s(ev({ state: "expired" }));
    clock.advanceTo(40);
    assert.deepEqual(sink.items.map((e) => e.state), ["ok", "ok", "expired"]);
  });
});
