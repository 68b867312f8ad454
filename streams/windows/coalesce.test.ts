/** Tests for `coalesce`: latest per (host, service), the whole vector every window while any are remembered. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Event } from "../event.ts";
import { collect, ev, testContext } from "../test-support.ts";
import { coalesce } from "./coalesce.ts";

const view = (v: readonly Event[]): string[] => v.map((e) => `${e.host}/${e.service}:${e.state ?? ""}:${e.metric ?? ""}`);

describe("coalesce", () => {
  it("emits the latest event per (host, service) at each window's end", () => {
    const { ctx, clock } = testContext(0);
    const sink = collect<readonly Event[]>();
    const s = coalesce(ctx, 5, sink.stream);
    s(ev({ host: "a", service: "cpu", metric: 1, state: "ok" }));
    s(ev({ host: "b", service: "cpu", metric: 2, state: "ok" }));
    s(ev({ host: "a", service: "cpu", metric: 3, state: "ok" }));
    s(ev({ host: "a", service: "mem", metric: 4, state: "ok" }));
    assert.equal(sink.items.length, 0, "nothing before the window ends");
    clock.advanceTo(5);
    assert.deepEqual(sink.items.map(view), [["a/cpu:ok:3", "a/mem:ok:4", "b/cpu:ok:2"]]);
    clock.advanceTo(10);
    assert.equal(sink.items.length, 2, "keeps emitting while entries are live");
  });

  it("emits a ttl-expired entry once as an expired event, forgets it, and stops when empty", () => {
    const { ctx, clock } = testContext(0);
    const sink = collect<readonly Event[]>();
    const s = coalesce(ctx, 5, sink.stream);
    s(ev({ host: "a", service: "cpu", metric: 1, state: "ok", time: 0, ttl: 7 }));
    s(ev({ host: "b", service: "cpu", metric: 2, state: "ok", time: 0, ttl: 12 }));
    clock.advanceTo(100);
    assert.deepEqual(sink.items.map(view), [
      ["a/cpu:ok:1", "b/cpu:ok:2"],
      ["a/cpu:expired:", "b/cpu:ok:2"],
      ["b/cpu:expired:"],
    ]);
    assert.equal(sink.items[1]![0]!.time, 7, "expired at the moment its ttl ran out");
    assert.equal(clock.pending, 0);
  });

  it("emits an incoming expired event once, replacing the live one, then forgets it", () => {
    const { ctx, clock } = testContext(0);
    const sink = collect<readonly Event[]>();
    const s = coalesce(ctx, 5, sink.stream);
    s(ev({ host: "a", service: "cpu", state: "ok", metric: 1 }));
    s(ev({ host: "b", service: "cpu", state: "ok", metric: 1 }));
    clock.advanceTo(6);
    s(ev({ host: "a", service: "cpu", state: "expired", time: 6 }));
    clock.advanceTo(15);
    assert.deepEqual(sink.items.map(view), [
      ["a/cpu:ok:1", "b/cpu:ok:1"],
      ["a/cpu:expired:", "b/cpu:ok:1"],
      ["b/cpu:ok:1"],
    ]);
  });

  it("gives each flush a fresh array", () => {
    const { ctx, clock } = testContext(0);
    const sink = collect<readonly Event[]>();
    const s = coalesce(ctx, 1, sink.stream);
    s(ev());
    clock.advanceTo(2);
    assert.notEqual(sink.items[0], sink.items[1]);
  });
});
