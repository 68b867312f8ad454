/** Tests for `service`: filtering by name, list and pattern, expired events, and its declared route. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { routeOf } from "../routing.ts";
import { collect, ev, testContext } from "../test-support.ts";
import { service } from "./service.ts";

describe("service", () => {
  it("passes only matching services, expired ones included", () => {
    const { ctx } = testContext();
    const out = collect();
    const s = service(ctx, "cpu", out.stream);
    s(ev({ service: "cpu", metric: 1 }));
    s(ev({ service: "memory", metric: 2 }));
    s(ev({ service: "cpu", state: "expired" }));
    assert.deepEqual(out.items.map((e) => [e.service, e.state]), [["cpu", undefined], ["cpu", "expired"]]);
  });

  it("takes a list of names or a regular expression, and declares the same route", () => {
    const { ctx } = testContext();
    const list = service(ctx, ["a", "b"]);
    const pattern = service(ctx, /^disk /g);
    assert.equal(routeOf(list)?.("b"), true);
    assert.equal(routeOf(list)?.("c"), false);
    // A global flag would make RegExp.test stateful; the route must answer the same twice.
    assert.equal(routeOf(pattern)?.("disk /"), true);
    assert.equal(routeOf(pattern)?.("disk /"), true);
    assert.equal(routeOf(pattern)?.("cpu"), false);
  });

  it("rejects a predicate or a number with a clear error", () => {
    const { ctx } = testContext();
    assert.throws(() => service(ctx, 3 as unknown as string), /expected a service name, a list of names or a RegExp/);
  });
});
