/** Tests for service routing: the router's choice per service and its cache. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Event } from "./event.ts";
import { routeOf, ServiceRouter, withRoute } from "./routing.ts";

describe("ServiceRouter", () => {
  it("sends a service to unrouted targets and to routed ones that match, in order", () => {
    const a = { stream: withRoute((_e: Event) => {}, (s) => s === "cpu"), name: "a" };
    const b = { stream: (_e: Event) => {}, name: "b" };
    const c = { stream: withRoute((_e: Event) => {}, (s) => s.startsWith("disk ")), name: "c" };
    const router = new ServiceRouter([a, b, c]);
    assert.deepEqual(router.targets("cpu").map((t) => t.name), ["a", "b"]);
    assert.deepEqual(router.targets("disk /var").map((t) => t.name), ["b", "c"]);
    assert.deepEqual(router.targets("memory").map((t) => t.name), ["b"]);
  });

  it("asks each matcher once per service", () => {
    let calls = 0;
    const router = new ServiceRouter([{ stream: withRoute((_e: Event) => {}, (s) => (calls++, s === "x")) }]);
    for (let i = 0; i < 5; i++) router.targets("x");
    router.targets("y");
    assert.equal(calls, 2);
  });

  it("reports no route for a plain stream", () => {
    assert.equal(routeOf(() => {}), undefined);
  });
});
