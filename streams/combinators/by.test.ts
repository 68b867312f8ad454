/** Tests for `by`: forking per key, factory calls, expired routing, idle eviction, errors. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { expire, type Event } from "../event.ts";
import type { Stream } from "../stream.ts";
import { collect, ev, testContext } from "../test-support.ts";
import { by } from "./by.ts";
import { changed } from "./changed.ts";
import { counter } from "./counter.ts";

describe("by", () => {
  it("gives each key its own stateful fork, built once per key by the factory", () => {
    const { ctx } = testContext();
    const out = collect();
    const keys: string[] = [];
    const s = by(ctx, "host", (key) => {
      keys.push(key);
      return counter(ctx, out.stream);
    });
    s(ev({ host: "a", metric: 1 }));
    s(ev({ host: "b", metric: 10 }));
    s(ev({ host: "a", metric: 1 }));
    s(ev({ host: "b", metric: 10 }));
    assert.deepEqual(keys, ["a", "b"]);
    assert.deepEqual(out.items.map((e) => `${e.host}=${e.metric}`), ["a=1", "b=10", "a=2", "b=20"]);
    assert.equal(s.size, 2);
  });

  it("passes the creating event to the factory", () => {
    const { ctx } = testContext();
    let first: Event | undefined;
    const s = by(ctx, "service", (_k, e) => {
      first = e;
      return () => {};
    });
    const e = ev({ service: "cpu", metric: 3 });
    s(e);
    assert.equal(first, e);
  });

  it("keys on several fields without confusing values that concatenate alike", () => {
    const { ctx } = testContext();
    const keys: string[] = [];
    const s = by(ctx, ["host", "service"], (key) => (keys.push(key), () => {}));
    s(ev({ host: "a", service: "bc" }));
    s(ev({ host: "ab", service: "c" }));
    s(ev({ host: "a", service: "bc" }));
    assert.deepEqual(keys, ['["a","bc"]', '["ab","c"]']);
    assert.equal(s.size, 2);
  });

  it("keys on a function and on custom attributes (absent values key as their own fork)", () => {
    const { ctx } = testContext();
    const fnKeys: string[] = [];
    const byFn = by(ctx, (e) => e.host.split(".")[0]!, (k) => (fnKeys.push(k), () => {}));
    byFn(ev({ host: "web1.dc1" }));
    byFn(ev({ host: "web1.dc2" }));
    assert.deepEqual(fnKeys, ["web1"]);

    const attrKeys: string[] = [];
    const byRack = by(ctx, "rack", (k) => (attrKeys.push(k), () => {}));
    byRack(ev({ attributes: { rack: "r1" } }));
    byRack(ev());
    byRack(ev({ attributes: { rack: "r1" } }));
    assert.deepEqual(attrKeys, ["r1", ""]);
  });

  it("routes expired events to their key's fork, creating it if needed", () => {
    const { ctx } = testContext();
    const out = collect();
    const s = by(ctx, ["host", "service"], () => changed(ctx, { init: "ok" }, out.stream));
    s(ev({ host: "a", state: "ok" }));
    s(expire(ev({ host: "a" }), 100));
    s(ev({ host: "a", state: "ok" }));
    s(expire(ev({ host: "b" }), 100));
    assert.deepEqual(out.items.map((e) => `${e.host}:${e.state}`), ["a:expired", "a:ok", "b:expired"]);
    assert.equal(s.size, 2);
  });

  it("drops a fork idle for idleSeconds, within one sweep period, and rebuilds it if the key returns", () => {
    const { ctx, clock } = testContext(0);
    let built = 0;
    const s = by(ctx, "host", () => (built++, () => {}), { idleSeconds: 10, sweepSeconds: 1 });
    s(ev({ host: "a" }));
    clock.advanceTo(5);
    s(ev({ host: "b" }));
    clock.advanceTo(10.999);
    assert.equal(s.size, 2, "nothing is idle for 10 s yet");
    clock.advanceTo(11);
    assert.equal(s.size, 1, "a (last seen at 0) is gone at 11");
    clock.advanceTo(15.5);
    assert.equal(s.size, 1, "b (last seen at 5) is still there");
    clock.advanceTo(16);
    assert.equal(s.size, 0);
    s(ev({ host: "a" }));
    assert.equal(built, 3);
    assert.equal(s.size, 1);
  });

  it("keeps a busy fork however long it lives, evicting only the idle ones", () => {
    const { ctx, clock } = testContext(0);
    const s = by(ctx, "host", () => () => {}, { idleSeconds: 10, sweepSeconds: 1 });
    s(ev({ host: "busy" }));
    s(ev({ host: "quiet" }));
    for (let t = 3; t <= 100; t += 3) {
      clock.advanceTo(t);
      s(ev({ host: "busy" }));
    }
    assert.equal(s.size, 1);
    clock.advanceTo(111);
    assert.equal(s.size, 0, "busy, last seen at 99, goes 10-11 s later");
  });

  it("uses a default idle time of an hour, swept every idleSeconds / 16", () => {
    const { ctx, clock } = testContext(0);
    const s = by(ctx, "host", () => () => {});
    s(ev({ host: "a" }));
    clock.advanceTo(3600);
    assert.equal(s.size, 1);
    clock.advanceTo(3600 + 225);
    assert.equal(s.size, 0);
  });

  it("arms its sweep timer only while it has forks", () => {
    const { ctx, clock } = testContext(0);
    const s = by(ctx, "host", () => () => {}, { idleSeconds: 10, sweepSeconds: 1 });
    assert.equal(clock.pending, 0);
    s(ev({ host: "a" }));
    s(ev({ host: "b" }));
    assert.equal(clock.pending, 1, "one timer for all forks");
    clock.advanceTo(50);
    assert.equal(s.size, 0);
    assert.equal(clock.pending, 0, "quiescent once every fork is gone");
    s(ev({ host: "c" }));
    assert.equal(clock.pending, 1);
    clock.advanceTo(61);
    assert.equal(s.size, 0);
  });

  it("cleans up nested keys on eviction so a returning key gets a fresh fork", () => {
    const { ctx, clock } = testContext(0);
    const out = collect();
    const s = by(ctx, ["host", "service"], () => counter(ctx, out.stream), { idleSeconds: 10, sweepSeconds: 1 });
    s(ev({ host: "a", service: "x", metric: 5 }));
    s(ev({ host: "a", service: "y", metric: 5 }));
    clock.advanceTo(8);
    s(ev({ host: "a", service: "y", metric: 5 }));
    clock.advanceTo(12);
    assert.equal(s.size, 1);
    s(ev({ host: "a", service: "x", metric: 1 }));
    assert.deepEqual(out.items.map((e) => e.metric), [5, 5, 10, 1], "x starts over from a fresh counter");
  });

  it("tells onEvict the key of each fork dropped for being idle, as the factory got it, and reports its throw", () => {
    const { ctx, clock, errors } = testContext(0);
    const evicted: string[] = [];
    const one = by(ctx, "host", () => () => {}, { idleSeconds: 10, sweepSeconds: 1, onEvict: (key) => evicted.push(key) });
    const two = by(ctx, ["host", "service"], () => () => {}, { idleSeconds: 10, sweepSeconds: 1, onEvict: (key) => evicted.push(key) });
    one(ev({ host: "a" }));
    two(ev({ host: "a", service: "x" }));
    clock.advanceTo(5);
    one(ev({ host: "b" }));
    clock.advanceTo(11);
    assert.deepEqual(evicted, ["a", '["a","x"]']);
    assert.equal(one.size, 1, "told after the fork is gone");
    const failing = by(ctx, "host", () => () => {}, { idleSeconds: 10, sweepSeconds: 1, onEvict: () => {
      throw new Error("evict hook");
    } });
    failing(ev({ host: "c" }));
    clock.advanceTo(30);
    assert.deepEqual(evicted, ["a", '["a","x"]', "b"]);
    assert.equal(failing.size, 0, "dropped all the same");
    assert.deepEqual(errors.map((e) => [e.where, (e.error as Error).message]), [["by evict", "evict hook"]]);
    assert.throws(() => by(ctx, "host", () => () => {}, { onEvict: 5 as unknown as () => void }), /by: onEvict must be a function/);
  });

  it("reports a throwing factory, drops the event and retries on the next one", () => {
    const { ctx, errors } = testContext();
    const out = collect();
    let fail = true;
    const s = by(ctx, "host", () => {
      if (fail) throw new Error("factory");
      return out.stream;
    });
    s(ev({ metric: 1 }));
    fail = false;
    s(ev({ metric: 2 }));
    assert.deepEqual(out.items.map((e) => e.metric), [2]);
    assert.deepEqual(errors.map((x) => x.where), ["by factory"]);
    assert.equal(s.size, 1);
  });

  it("isolates a throwing fork from the others and reports a key function that throws", () => {
    const { ctx, errors } = testContext();
    const out = collect();
    const s = by(ctx, "host", (k): Stream<Event> => (k === "bad" ? () => { throw new Error("fork"); } : out.stream));
    s(ev({ host: "bad" }));
    s(ev({ host: "good" }));
    assert.equal(out.items.length, 1);
    const byKey = by(ctx, (e) => { if (e.metric === undefined) throw new Error("key"); return "k"; }, () => out.stream);
    byKey(ev());
    assert.deepEqual(errors.map((x) => x.where), ["by", "by key"]);
  });

  it("rejects bad settings when built", () => {
    const { ctx } = testContext();
    const f = () => () => {};
    assert.throws(() => by(ctx, "host", f, { idleSeconds: 0 }), /by: idleSeconds must be a finite number > 0/);
    assert.throws(() => by(ctx, "host", f, { sweepSeconds: -1 }), /sweepSeconds/);
    assert.throws(() => by(ctx, "tags", f), /cannot fork on "tags"/);
    assert.throws(() => by(ctx, [], f), /non-empty array/);
  });

  it("handles many keys with one timer and evicts them all", () => {
    const { ctx, clock } = testContext(0);
    const s = by(ctx, "host", () => () => {}, { idleSeconds: 60, sweepSeconds: 5 });
    for (let i = 0; i < 10_000; i++) s(ev({ host: `h${i}` }));
    assert.equal(s.size, 10_000);
    assert.equal(clock.pending, 1);
    clock.advanceTo(30);
    for (let i = 0; i < 5_000; i++) s(ev({ host: `h${i}` }));
    clock.advanceTo(66);
    assert.equal(s.size, 5_000);
    clock.advanceTo(96);
    assert.equal(s.size, 0);
  });
});
