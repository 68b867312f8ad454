/** Tests for `changed`, `changedPairs` and `changedState`, with Riemann's cases. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { expire, type Event } from "../event.ts";
import { collect, ev, testContext } from "../test-support.ts";
import { changed, changedPairs, changedState } from "./changed.ts";

const states = (items: readonly Event[]): (string | undefined)[] => items.map((e) => e.state);

describe("changed", () => {
  it("with init 'ok': Riemann's test, ok bad bad ok ok evil bad -> bad ok evil bad", () => {
    const { ctx } = testContext();
    const out = collect();
    const s = changed(ctx, { init: "ok" }, out.stream);
    for (const st of ["ok", "bad", "bad", "ok", "ok", "evil", "bad"]) s(ev({ state: st }));
    assert.deepEqual(states(out.items), ["bad", "ok", "evil", "bad"]);
  });

  it("without init, the first event passes unless its value is undefined", () => {
    const { ctx } = testContext();
    const a = collect();
    const sa = changed(ctx, {}, a.stream);
    sa(ev({ state: "ok" }));
    sa(ev({ state: "ok" }));
    assert.deepEqual(states(a.items), ["ok"]);
    const b = collect();
    const sb = changed(ctx, {}, b.stream);
    sb(ev());
    sb(ev({ state: "ok" }));
    assert.deepEqual(states(b.items), ["ok"]);
  });

  it("passes an expiry as a change, and the next live event as another", () => {
    const { ctx } = testContext();
    const out = collect();
    const s = changed(ctx, { init: "ok" }, out.stream);
    s(ev({ state: "ok" }));
    s(expire(ev({ state: "ok" }), 60));
    s(expire(ev({ state: "ok" }), 61));
    s(ev({ state: "ok" }));
    assert.deepEqual(states(out.items), ["expired", "ok"]);
  });

  it("compares any key, and keeps the remembered value when key throws", () => {
    const { ctx, errors } = testContext();
    const out = collect();
    const s = changed(ctx, { key: (e) => { if (e.metric === undefined) throw new Error("x"); return e.metric > 2; } }, out.stream);
    for (const m of [1, 3, 4, undefined, 5, 1]) s(ev({ metric: m }));
    assert.deepEqual(out.items.map((e) => e.metric), [1, 3, 1]);
    assert.equal(errors.length, 1);
  });
});

describe("changedPairs", () => {
  it("emits [previous event, event] on a change, previous undefined at first", () => {
    const { ctx } = testContext();
    const out = collect<readonly [Event | undefined, Event]>();
    const s = changedPairs(ctx, {}, out.stream);
    const a = ev({ state: "ok", metric: 1 });
    const b = ev({ state: "ok", metric: 2 });
    const c = ev({ state: "critical" });
    s(a);
    s(b);
    s(c);
    assert.deepEqual(out.items, [[undefined, a], [b, c]]);
  });
});

describe("changedState", () => {
  it("tracks each host and service separately, with init applied per series", () => {
    const { ctx } = testContext();
    const out = collect();
    const s = changedState(ctx, { init: "ok" }, out.stream);
    s(ev({ host: "a", service: "cpu", state: "ok" }));
    s(ev({ host: "b", service: "cpu", state: "critical" }));
    s(ev({ host: "a", service: "disk", state: "critical" }));
    s(ev({ host: "a", service: "cpu", state: "critical" }));
    s(ev({ host: "b", service: "cpu", state: "critical" }));
    s(expire(ev({ host: "b", service: "cpu" }), 100));
    assert.deepEqual(out.items.map((e) => `${e.host}/${e.service}:${e.state}`), ["b/cpu:critical", "a/disk:critical", "a/cpu:critical", "b/cpu:expired"]);
    assert.equal(s.size, 3);
  });

  it("forgets a series idle for idleSeconds, comparing its next event with init again", () => {
    const { ctx, clock } = testContext(0);
    const out = collect();
    const s = changedState(ctx, { init: "ok", idleSeconds: 16 }, out.stream);
    s(ev({ state: "critical" }));
    clock.advanceTo(100);
    assert.equal(s.size, 0);
    s(ev({ state: "critical" }));
    assert.equal(out.items.length, 2);
  });
});
