/** Tests for `scale`. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { expire } from "../event.ts";
import { collect, ev, testContext } from "../test-support.ts";
import { scale } from "./scale.ts";

describe("scale", () => {
  it("multiplies metrics; events without a metric (expired ones) pass as is", () => {
    const { ctx } = testContext();
    const out = collect();
    const s = scale(ctx, 1 / 1024, out.stream);
    const dead = expire(ev(), 1);
    s(ev({ metric: 2048 }));
    s(dead);
    assert.equal(out.items[0]?.metric, 2);
    assert.equal(out.items[1], dead);
    assert.throws(() => scale(ctx, NaN), /scale: factor must be a finite number/);
  });
});
