/** Tests for `counter`. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { expire } from "../event.ts";
import { collect, ev, testContext } from "../test-support.ts";
import { counter } from "./counter.ts";

describe("counter", () => {
  it("emits the running sum; 'reset' sets it; events without a metric, expired ones too, pass unchanged", () => {
    const { ctx } = testContext();
    const out = collect();
    const s = counter(ctx, out.stream);
    const dead = expire(ev(), 9);
    s(ev({ metric: 2 }));
    s(ev({ metric: 3 }));
    s(dead);
    s(ev({ metric: 100, tags: ["reset"] }));
    s(ev({ metric: 1 }));
    s(ev({ tags: ["reset"] }));
    s(ev({ metric: 1 }));
    assert.deepEqual(out.items.map((e) => e.metric ?? e.state ?? "none"), [2, 5, "expired", 100, 101, "none", 102]);
    assert.equal(out.items[2], dead);
  });
});
