/** Tests for `project`: slots, snapshots, and once-only expired slots. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { expire, type Event } from "../event.ts";
import { collect, ev, testContext } from "../test-support.ts";
import { project, type Slots } from "./project.ts";

const isSvc = (s: string) => (e: Event): boolean => e.service === s;
const view = (slots: Slots): string[] => slots.map((e) => (e === undefined ? "-" : `${e.service}:${e.metric ?? e.state}`));

describe("project", () => {
  it("keeps the latest event per predicate and emits all slots when one updates", () => {
    const { ctx } = testContext(0);
    const out = collect<Slots>();
    const s = project(ctx, [isSvc("enq"), isSvc("deq")], out.stream);
    s(ev({ service: "enq", metric: 1 }));
    s(ev({ service: "other", metric: 9 }));
    s(ev({ service: "deq", metric: 2 }));
    s(ev({ service: "enq", metric: 3 }));
    assert.deepEqual(out.items.map(view), [["enq:1", "-"], ["enq:1", "deq:2"], ["enq:3", "deq:2"]]);
  });

  it("emits snapshots: an emitted array never changes afterwards", () => {
    const { ctx } = testContext(0);
    const out = collect<Slots>();
    const s = project(ctx, [isSvc("a")], out.stream);
    s(ev({ service: "a", metric: 1 }));
    s(ev({ service: "a", metric: 2 }));
    assert.deepEqual(out.items.map(view), [["a:1"], ["a:2"]]);
  });

  it("puts an event in every slot it matches", () => {
    const { ctx } = testContext(0);
    const out = collect<Slots>();
    const s = project(ctx, [() => true, isSvc("a")], out.stream);
    s(ev({ service: "a", metric: 1 }));
    assert.deepEqual(view(out.items[0]!), ["a:1", "a:1"]);
  });

  it("emits an expired incoming event once in its slot, then clears the slot", () => {
    const { ctx } = testContext(100);
    const out = collect<Slots>();
    const s = project(ctx, [isSvc("a"), isSvc("b")], out.stream);
    s(ev({ service: "a", time: 100, metric: 1 }));
    s(expire(ev({ service: "b" }), 100));
    s(ev({ service: "a", time: 100, metric: 2 }));
    assert.deepEqual(out.items.map(view), [["a:1", "-"], ["a:1", "b:expired"], ["a:2", "-"]]);
  });

  it("expires slots whose TTL ran out at the clock: emitted once as expired (time = now), then cleared", () => {
    const { ctx, clock } = testContext(0);
    const out = collect<Slots>();
    const s = project(ctx, [isSvc("a"), isSvc("b")], out.stream);
    s(ev({ service: "a", time: 0, ttl: 10, metric: 1 }));
    clock.advanceTo(20);
    s(ev({ service: "b", time: 20, metric: 2 }));
    s(ev({ service: "b", time: 20, metric: 3 }));
    assert.deepEqual(out.items.map(view), [["a:1", "-"], ["a:expired", "b:2"], ["-", "b:3"]]);
    assert.equal(out.items[1]![0]!.time, 20);
  });

  it("reports a throwing predicate as not matching", () => {
    const { ctx, errors } = testContext(0);
    const out = collect<Slots>();
    const s = project(ctx, [() => { throw new Error("x"); }, isSvc("a")], out.stream);
    s(ev({ service: "a", metric: 1 }));
    assert.deepEqual(view(out.items[0]!), ["-", "a:1"]);
    assert.equal(errors[0]?.where, "project");
  });
});
