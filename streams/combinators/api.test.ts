/** Tests for `bindCombinators`: the bound API works end to end without a ctx argument. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { expire, type Event } from "../event.ts";
import type { Stream } from "../stream.ts";
import { collect, ev, testContext } from "../test-support.ts";
import { bindCombinators } from "./api.ts";

describe("bindCombinators", () => {
  it("binds every combinator to the context and carries the folds", () => {
    const { ctx, clock } = testContext(0);
    const s = bindCombinators(ctx);
    const pages = collect();
    const ratios = collect();
    const rule = s.sdo(
      s.where((e) => e.service === "swap", s.by(["host", "service"], () => s.hysteresis({ triggerAbove: 0.9, holdAbove: 0.7, changesOnly: true }, pages.stream), { idleSeconds: 60 })),
      s.project([(e) => e.service === "failed", (e) => e.service === "started"], s.smap(s.folds.quotient, ratios.stream)),
    );
    rule(ev({ host: "a", service: "swap", metric: 0.95 }));
    rule(ev({ host: "a", service: "swap", metric: 0.8 }));
    rule(ev({ host: "a", service: "swap", metric: 0.5 }));
    rule(ev({ service: "failed", metric: 3 }));
    rule(ev({ service: "started", metric: 4 }));
    assert.deepEqual(pages.items.map((e) => e.state), ["critical", "ok"]);
    assert.deepEqual(ratios.items.map((e) => e.metric), [undefined, 0.75]);
    rule(expire(ev({ host: "a", service: "swap" }), 0));
    assert.equal(pages.items.at(-1)?.state, "expired");
    clock.advanceTo(200);
    assert.equal(clock.pending, 0);
  });

  it("keeps generics: smap infers its input and output types", () => {
    const { ctx } = testContext();
    const s = bindCombinators(ctx);
    const lengths = collect<number>();
    const stream: Stream<readonly Event[]> = s.smap((es: readonly Event[]) => es.length, lengths.stream);
    stream([ev(), ev()]);
    const win: Stream<readonly Event[]> = s.withFields<readonly Event[]>({ service: "w" }, (w) => lengths.stream(w.length));
    win([ev()]);
    assert.deepEqual(lengths.items, [2, 1]);
  });
});
