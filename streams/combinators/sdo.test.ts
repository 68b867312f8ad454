/** Tests for `sdo`. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { expire, type Event } from "../event.ts";
import { collect, ev, testContext } from "../test-support.ts";
import { sdo } from "./sdo.ts";

describe("sdo", () => {
  it("passes every input to each child in order, expired events included", () => {
    const { ctx } = testContext();
    const order: string[] = [];
    const s = sdo<Event>(ctx, (e) => order.push(`a:${e.state}`), (e) => order.push(`b:${e.state}`), (e) => order.push(`c:${e.state}`));
    s(ev({ state: "ok" }));
    s(expire(ev(), 1));
    assert.deepEqual(order, ["a:ok", "b:ok", "c:ok", "a:expired", "b:expired", "c:expired"]);
  });

  it("isolates a throwing child and discards input when it has no children", () => {
    const { ctx, errors } = testContext();
    const out = collect();
    const s = sdo(ctx, () => {
      throw new Error("x");
    }, out.stream);
    s(ev());
    assert.equal(out.items.length, 1);
    assert.deepEqual(errors.map((x) => x.where), ["sdo"]);
    assert.doesNotThrow(() => sdo(ctx)(ev()));
  });
});
