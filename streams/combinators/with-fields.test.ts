/** Tests for `withFields` and `defaults`. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { expire, type Event } from "../event.ts";
import type { Events } from "../stream.ts";
import { collect, ev, testContext } from "../test-support.ts";
import { defaults, withFields } from "./with-fields.ts";

describe("withFields", () => {
  it("sets fields and removes those given as undefined, leaving the input untouched", () => {
    const { ctx } = testContext();
    const out = collect();
    const s = withFields(ctx, { service: "cpu mean", state: "ok", description: undefined }, out.stream);
    const input = ev({ service: "cpu", description: "raw", metric: 2 });
    s(input);
    assert.deepEqual(out.items[0], ev({ service: "cpu mean", state: "ok", metric: 2 }));
    assert.equal(input.description, "raw");
    assert.deepEqual(Object.keys(out.items[0] ?? {}), Object.keys(input), "same full shape");
  });

  it("merges attributes key by key; an undefined attribute is removed, attributes: undefined removes all", () => {
    const { ctx } = testContext();
    const out = collect();
    withFields(ctx, { attributes: { team: "storage", old: undefined } }, out.stream)(ev({ attributes: { old: "x", dc: "1" } }));
    withFields(ctx, { attributes: { old: undefined } }, out.stream)(ev({ attributes: { old: "x" } }));
    withFields(ctx, { attributes: undefined }, out.stream)(ev({ attributes: { dc: "1" } }));
    assert.deepEqual(out.items.map((e) => e.attributes), [{ dc: "1", team: "storage" }, undefined, undefined]);
  });

  it("changes every event of a window and emits a new array", () => {
    const { ctx } = testContext();
    const out = collect<Events>();
    const s = withFields<Events>(ctx, { host: "cluster" }, out.stream);
    const window = [ev({ host: "a" }), ev({ host: "b" })];
    s(window);
    assert.deepEqual(out.items[0]!.map((e) => e.host), ["cluster", "cluster"]);
    assert.deepEqual(window.map((e) => e.host), ["a", "b"]);
  });

  it("changes expired events like any other (setting state hides the expiry)", () => {
    const { ctx } = testContext();
    const out = collect();
    withFields(ctx, { state: "critical" }, out.stream)(expire(ev(), 5));
    withFields(ctx, { ttl: 10 }, out.stream)(expire(ev(), 5));
    assert.deepEqual(out.items.map((e) => e.state), ["critical", "expired"]);
  });

  it("rejects unknown fields and removing host, service or time when built", () => {
    const { ctx } = testContext();
    assert.throws(() => withFields(ctx, { foo: 1 } as unknown as Partial<Event>), /unknown event field "foo"/);
    assert.throws(() => withFields(ctx, { host: undefined }), /host cannot be removed/);
  });
});

describe("defaults", () => {
  it("fills only unset fields and attributes", () => {
    const { ctx } = testContext();
    const out = collect();
    const s = defaults(ctx, { ttl: 60, state: "ok", host: "ignored", attributes: { team: "infra", dc: "1" } }, out.stream);
    s(ev({ state: "critical", attributes: { team: "storage" } }));
    assert.deepEqual(out.items[0], ev({ state: "critical", ttl: 60, attributes: { team: "storage", dc: "1" } }));
  });

  it("passes an event that needs nothing as the same object", () => {
    const { ctx } = testContext();
    const out = collect();
    const e = ev({ ttl: 5, state: "ok" });
    defaults(ctx, { ttl: 60, state: "x", metric: undefined }, out.stream)(e);
    assert.equal(out.items[0], e);
  });

  it("fills expired events like any other (they have no metric)", () => {
    const { ctx } = testContext();
    const out = collect();
    defaults(ctx, { metric: 0, state: "ok" }, out.stream)(expire(ev(), 5));
    assert.equal(out.items[0]?.metric, 0);
    assert.equal(out.items[0]?.state, "expired");
  });
});
