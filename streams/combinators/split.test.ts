/** Tests for `split`: first match wins, fallback, drops, expired events, errors. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { expire } from "../event.ts";
import { collect, ev, testContext } from "../test-support.ts";
import { split } from "./split.ts";

describe("split", () => {
  it("sends each event to the first matching case only, and to otherwise when none matches", () => {
    const { ctx } = testContext();
    const crit = collect();
    const warn = collect();
    const ok = collect();
    const s = split(ctx, [
      [(e) => (e.metric ?? 0) > 0.9, crit.stream],
      [(e) => (e.metric ?? 0) > 0.75, warn.stream],
    ], ok.stream);
    for (const m of [0.95, 0.8, 0.1, 0.99]) s(ev({ metric: m }));
    assert.deepEqual(crit.items.map((e) => e.metric), [0.95, 0.99]);
    assert.deepEqual(warn.items.map((e) => e.metric), [0.8]);
    assert.deepEqual(ok.items.map((e) => e.metric), [0.1]);
  });

  it("does not call the predicates after the first match", () => {
    const { ctx } = testContext();
    const called: number[] = [];
    const s = split(ctx, [
      [() => (called.push(0), true), collect().stream],
      [() => (called.push(1), true), collect().stream],
    ]);
    s(ev());
    assert.deepEqual(called, [0]);
  });

  it("drops an event no case matches when there is no otherwise (no throw)", () => {
    const { ctx, errors } = testContext();
    const a = collect();
    const s = split(ctx, [[(e) => e.state === "critical", a.stream]]);
    assert.doesNotThrow(() => s(ev({ state: "ok" })));
    assert.equal(a.items.length, 0);
    assert.equal(errors.length, 0);
  });

  it("routes expired events like any other event", () => {
    const { ctx } = testContext();
    const expiredOut = collect();
    const rest = collect();
    const s = split(ctx, [[(e) => e.state === "expired", expiredOut.stream]], rest.stream);
    s(expire(ev(), 10));
    s(ev({ state: "ok" }));
    assert.equal(expiredOut.items.length, 1);
    assert.equal(rest.items.length, 1);
  });

  it("reports a throwing predicate (dropping the event) and a throwing branch", () => {
    const { ctx, errors } = testContext();
    const ok = collect();
    const s = split(ctx, [
      [(e) => { if (e.metric === undefined) throw new Error("no metric"); return e.metric > 5; }, () => { throw new Error("branch"); }],
    ], ok.stream);
    s(ev());
    s(ev({ metric: 10 }));
    s(ev({ metric: 1 }));
    assert.deepEqual(errors.map((x) => x.where), ["split", "split"]);
    assert.deepEqual(ok.items.map((e) => e.metric), [1]);
  });
});
