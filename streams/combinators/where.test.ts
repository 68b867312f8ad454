/** Tests for `where`: filtering, expired events, and error isolation. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { expire } from "../event.ts";
import { collect, ev, testContext } from "../test-support.ts";
import { where } from "./where.ts";

describe("where", () => {
  it("passes the events the predicate accepts, to every child, and drops the rest", () => {
    const { ctx } = testContext();
    const a = collect();
    const b = collect();
    const s = where(ctx, (e) => (e.metric ?? 0) > 1, a.stream, b.stream);
    for (const m of [0, 2, 1, 3]) s(ev({ metric: m }));
    assert.deepEqual(a.items.map((e) => e.metric), [2, 3]);
    assert.deepEqual(b.items.map((e) => e.metric), [2, 3]);
  });

  it("calls the predicate exactly once per event", () => {
    const { ctx } = testContext();
    let calls = 0;
    const s = where(ctx, () => (calls++, true), collect().stream, collect().stream);
    s(ev());
    s(ev());
    assert.equal(calls, 2);
  });

  it("treats expired events like any other: they pass when the predicate accepts them", () => {
    const { ctx } = testContext();
    const out = collect();
    const s = where(ctx, (e) => e.service === "cpu", out.stream);
    const dead = expire(ev({ service: "cpu", metric: 1 }), 100);
    s(dead);
    s(expire(ev({ service: "mem" }), 100));
    assert.deepEqual(out.items, [dead]);
  });

  it("reports a throwing predicate and drops only that event", () => {
    const { ctx, errors } = testContext();
    const out = collect();
    const s = where(ctx, (e) => {
      if (e.metric === undefined) throw new Error("no metric");
      return true;
    }, out.stream);
    s(ev());
    s(ev({ metric: 1 }));
    assert.equal(out.items.length, 1);
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.where, "where");
  });

  it("isolates a throwing child: its sibling still gets the event", () => {
    const { ctx, errors } = testContext();
    const out = collect();
    const s = where(ctx, () => true, () => {
      throw new Error("boom");
    }, out.stream);
    s(ev());
    assert.equal(out.items.length, 1);
    assert.equal(errors.length, 1);
  });

  it("reports a throwing only child as \"where\" and keeps passing the next events", () => {
    const { ctx, errors } = testContext();
    const seen: number[] = [];
    const s = where(ctx, () => true, (e) => {
      if (e.metric === 1) throw new Error("child");
      seen.push(e.metric ?? 0);
    });
    s(ev({ metric: 1 }));
    s(ev({ metric: 2 }));
    assert.deepEqual(seen, [2]);
    assert.deepEqual(errors.map((x) => [x.where, (x.error as Error).message]), [["where", "child"]]);
  });

  it("rejects a predicate that is not a function at build time", () => {
    const { ctx } = testContext();
    assert.throws(() => where(ctx, "metric" as unknown as () => boolean), /where: pred must be a function/);
  });
});
