/** Tests for `smap` and `smapcat`. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { expire, type Event } from "../event.ts";
import { collect, ev, testContext } from "../test-support.ts";
import { smap, smapcat } from "./smap.ts";

describe("smap", () => {
  it("emits f(input), dropping undefined and null but not other falsy values", () => {
    const { ctx } = testContext();
    const out = collect<unknown>();
    const results: unknown[] = [1, undefined, 0, null, "", false];
    let i = 0;
    const s = smap(ctx, () => results[i++], out.stream);
    for (let k = 0; k < results.length; k++) s(ev());
    assert.deepEqual(out.items, [1, 0, "", false]);
  });

  it("maps windows to events (how folds are used)", () => {
    const { ctx } = testContext();
    const out = collect();
    const s = smap(ctx, (es: readonly Event[]) => es[es.length - 1], out.stream);
    s([ev({ metric: 1 }), ev({ metric: 2 })]);
    s([]);
    assert.deepEqual(out.items.map((e) => e.metric), [2]);
  });

  it("gives expired events to f like any other", () => {
    const { ctx } = testContext();
    const out = collect<string | undefined>();
    const s = smap(ctx, (e: Event) => e.state, out.stream);
    s(expire(ev(), 5));
    assert.deepEqual(out.items, ["expired"]);
  });

  it("reports a throw from f and keeps going", () => {
    const { ctx, errors } = testContext();
    const out = collect<number>();
    const s = smap(ctx, (e: Event) => {
      if (e.metric === undefined) throw new Error("x");
      return e.metric;
    }, out.stream);
    s(ev());
    s(ev({ metric: 3 }));
    assert.deepEqual(out.items, [3]);
    assert.equal(errors[0]?.where, "smap");
  });
});

describe("smapcat", () => {
  it("emits each element of the returned list or iterable, in order; nothing for undefined or empty", () => {
    const { ctx } = testContext();
    const out = collect<number>();
    const s = smapcat(ctx, (n: number) => (n === 0 ? undefined : n === 1 ? [] : n === 2 ? [1, 2] : new Set([7, 8])), out.stream);
    for (const n of [0, 1, 2, 3]) s(n);
    assert.deepEqual(out.items, [1, 2, 7, 8]);
  });

  it("reports a throw from f", () => {
    const { ctx, errors } = testContext();
    const s = smapcat(ctx, (): number[] => {
      throw new Error("x");
    }, collect<number>().stream);
    s(ev());
    assert.equal(errors[0]?.where, "smapcat");
  });
});
