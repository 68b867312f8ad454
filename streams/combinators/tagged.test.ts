/** Tests for `taggedAll`, `taggedAny` and `tagged`. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { expire } from "../event.ts";
import { collect, ev, testContext } from "../test-support.ts";
import { tagged, taggedAll, taggedAny } from "./tagged.ts";

const events = [ev({ metric: 0 }), ev({ metric: 1, tags: ["a"] }), ev({ metric: 2, tags: ["a", "b"] }), ev({ metric: 3, tags: ["b", "c"] })];

describe("taggedAll / tagged", () => {
  it("passes events carrying every tag (one tag or a list)", () => {
    const { ctx } = testContext();
    const all = collect();
    const one = collect();
    const alias = collect();
    const sAll = taggedAll(ctx, ["a", "b"], all.stream);
    const sOne = taggedAll(ctx, "b", one.stream);
    const sAlias = tagged(ctx, ["a"], alias.stream);
    for (const e of events) {
      sAll(e);
      sOne(e);
      sAlias(e);
    }
    assert.deepEqual(all.items.map((e) => e.metric), [2]);
    assert.deepEqual(one.items.map((e) => e.metric), [2, 3]);
    assert.deepEqual(alias.items.map((e) => e.metric), [1, 2]);
  });

  it("passes everything for an empty list, and expired events that keep their tags", () => {
    const { ctx } = testContext();
    const out = collect();
    const s = taggedAll(ctx, [], out.stream);
    for (const e of events) s(e);
    assert.equal(out.items.length, 4);
    const exp = collect();
    taggedAll(ctx, "a", exp.stream)(expire(ev({ tags: ["a"] }), 9));
    assert.equal(exp.items[0]?.state, "expired");
  });
});

describe("taggedAny", () => {
  it("passes events carrying at least one tag; nothing for an empty list", () => {
    const { ctx } = testContext();
    const out = collect();
    const none = collect();
    const s = taggedAny(ctx, ["a", "c"], out.stream);
    const sNone = taggedAny(ctx, [], none.stream);
    for (const e of events) {
      s(e);
      sNone(e);
    }
    assert.deepEqual(out.items.map((e) => e.metric), [1, 2, 3]);
    assert.equal(none.items.length, 0);
  });

  it("rejects tags that are not strings", () => {
    const { ctx } = testContext();
    assert.throws(() => taggedAny(ctx, [1] as unknown as string[]), /taggedAny: tags must be a string or an array of strings/);
  });
});
