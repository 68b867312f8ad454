/** Tests for `tag` and `untag`. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { expire } from "../event.ts";
import { collect, ev, testContext } from "../test-support.ts";
import { tag, untag } from "./tag.ts";

describe("tag", () => {
  it("adds tags distinctly, the event's own first; an event with them all passes as is", () => {
    const { ctx } = testContext();
    const out = collect();
    const s = tag(ctx, ["b", "c", "c"], out.stream);
    const full = ev({ tags: ["c", "b"] });
    s(ev());
    s(ev({ tags: ["a", "b"] }));
    s(full);
    assert.deepEqual(out.items.map((e) => e.tags), [["b", "c"], ["a", "b", "c"], ["c", "b"]]);
    assert.equal(out.items[2], full);
  });

  it("tags expired events too", () => {
    const { ctx } = testContext();
    const out = collect();
    tag(ctx, "x", out.stream)(expire(ev(), 1));
    assert.deepEqual(out.items[0]?.tags, ["x"]);
    assert.equal(out.items[0]?.state, "expired");
  });
});

describe("untag", () => {
  it("removes tags; no tags left means tags undefined; untouched events pass as is", () => {
    const { ctx } = testContext();
    const out = collect();
    const s = untag(ctx, ["a", "b"], out.stream);
    const plain = ev({ tags: ["c"] });
    s(ev({ tags: ["a", "c", "b"] }));
    s(ev({ tags: ["a"] }));
    s(plain);
    s(expire(ev({ tags: ["b"] }), 1));
    assert.deepEqual(out.items.map((e) => e.tags), [["c"], undefined, ["c"], undefined]);
    assert.equal(out.items[2], plain);
    assert.equal(out.items[3]?.state, "expired");
  });
});
