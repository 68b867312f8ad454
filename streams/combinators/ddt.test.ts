/** Tests for `ddt`. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { expire } from "../event.ts";
import { collect, ev, testContext } from "../test-support.ts";
import { ddt } from "./ddt.ts";

describe("ddt", () => {
  it("emits Δmetric/Δtime against the previous metric event; the first emits nothing", () => {
    const { ctx } = testContext();
    const out = collect();
    const s = ddt(ctx, out.stream);
    s(ev({ time: 0, metric: 100 }));
    s(ev({ time: 10, metric: 150 }));
    s(ev({ time: 12, metric: 140 }));
    assert.deepEqual(out.items.map((e) => [e.time, e.metric]), [[10, 5], [12, -5]]);
  });

  it("emits nothing for Δtime = 0 (the event replaces the previous) or < 0 (ignored)", () => {
    const { ctx } = testContext();
    const out = collect();
    const s = ddt(ctx, out.stream);
    s(ev({ time: 10, metric: 0 }));
    s(ev({ time: 10, metric: 20 })); // replaces previous
    s(ev({ time: 5, metric: 999 })); // out of order: ignored
    s(ev({ time: 20, metric: 40 }));
    assert.deepEqual(out.items.map((e) => e.metric), [2]);
  });

  it("drops events without a metric, expired ones included, without resetting", () => {
    const { ctx } = testContext();
    const out = collect();
    const s = ddt(ctx, out.stream);
    s(ev({ time: 0, metric: 0 }));
    s(expire(ev(), 5));
    s(ev({ time: 10, metric: 10 }));
    assert.deepEqual(out.items.map((e) => e.metric), [1]);
  });
});
