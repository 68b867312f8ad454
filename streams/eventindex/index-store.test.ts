/** Tests for the event index: storage, search with the lookup fast path, and TTL expiry under a virtual clock. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Clock, Timer } from "../clock.ts";
import { EXPIRED, type Event } from "../event.ts";
import { QuerySyntaxError } from "../query/index.ts";
import type { StreamContext } from "../stream.ts";
import { ev, testContext } from "../test-support.ts";
import { EventIndex } from "./index-store.ts";

function setup(start = 1000, sliceSize?: number) {
  const { ctx, clock, errors } = testContext(start);
  const expired: Event[] = [];
  const at: number[] = [];
  const index = new EventIndex(ctx, {
    sliceSize,
    onExpired: (e) => {
      expired.push(e);
      at.push(clock.now());
    },
  });
  return { ctx, clock, errors, index, expired, at };
}

describe("EventIndex: storage and search", () => {
  it("keeps the latest event per (host, service)", () => {
    const { index } = setup();
    index.insert(ev({ host: "a", service: "cpu", time: 1000, metric: 1 }));
    index.insert(ev({ host: "a", service: "cpu", time: 1001, metric: 2 }));
    index.insert(ev({ host: "a", service: "mem", time: 1001, metric: 3 }));
    index.insert(ev({ host: "b", service: "cpu", time: 1001, metric: 4 }));
    assert.equal(index.size, 3);
    assert.equal(index.lookup("a", "cpu")?.metric, 2);
    assert.equal(index.lookup("a", "disk"), undefined);
    assert.equal(index.lookup("zz", "cpu"), undefined);
    assert.equal(index.has("b", "cpu"), true);
    assert.deepEqual([...index.hosts()], ["a", "b"]);
    assert.deepEqual(index.servicesOf("a").map((e) => e.service), ["cpu", "mem"]);
    assert.deepEqual(index.servicesOf("nobody"), []);
    assert.deepEqual([...index.events()].map((e) => e.metric), [2, 3, 4]);
  });

  it("does not mix up keys whose concatenations collide", () => {
    const { index } = setup();
    index.insert(ev({ host: "a b", service: "c", time: 1000, metric: 1 }));
    index.insert(ev({ host: "a", service: "b c", time: 1000, metric: 2 }));
    assert.equal(index.size, 2);
    assert.equal(index.lookup("a b", "c")?.metric, 1);
    assert.equal(index.lookup("a", "b c")?.metric, 2);
  });

  it("deletes a key, and the host once it has no keys left", () => {
    const { index } = setup();
    index.insert(ev({ host: "a", service: "cpu", time: 1000 }));
    index.insert(ev({ host: "a", service: "mem", time: 1000 }));
    assert.equal(index.delete("a", "cpu")?.service, "cpu");
    assert.equal(index.delete("a", "cpu"), undefined);
    assert.deepEqual([...index.hosts()], ["a"]);
    index.delete("a", "mem");
    assert.deepEqual([...index.hosts()], []);
    assert.equal(index.size, 0);
  });

  it("an event with state expired deletes its key (Riemann's semantics) and is not stored", () => {
    const { clock, index, expired } = setup();
    index.insert(ev({ host: "a", service: "cpu", time: 1000, ttl: 10 }));
    index.insert(ev({ host: "a", service: "cpu", time: 1001, state: EXPIRED }));
    index.insert(ev({ host: "b", service: "cpu", time: 1001, state: EXPIRED }));
    assert.equal(index.size, 0);
    assert.equal(index.lookup("b", "cpu"), undefined);
    clock.advanceTo(2000);
    assert.equal(expired.length, 0, "a deleted key emits no expiry");
  });

  it("searches with a query, a predicate, and by lookup for exact host (and service) queries", () => {
    const { index } = setup();
    index.insert(ev({ host: "web1", service: "cpu", time: 1000, metric: 0.9, state: "critical", tags: ["prod"] }));
    index.insert(ev({ host: "web1", service: "mem", time: 1000, metric: 0.2, state: "ok" }));
    index.insert(ev({ host: "web2", service: "cpu", time: 1000, metric: 0.1, state: "ok", tags: ["prod"] }));
    const keys = (events: Event[]): string[] => events.map((e) => `${e.host}/${e.service}`).sort();
    assert.deepEqual(keys(index.search('host = "web1" and service = "cpu"')), ["web1/cpu"]);
    assert.deepEqual(keys(index.search('service = "cpu" and host = "web2"')), ["web2/cpu"]);
    assert.deepEqual(keys(index.search('host = "web1" and service = "disk"')), []);
    assert.deepEqual(keys(index.search('host = "web1"')), ["web1/cpu", "web1/mem"]);
    assert.deepEqual(keys(index.search('host = "nope"')), []);
    assert.deepEqual(keys(index.search('tagged "prod" and metric > 0.5')), ["web1/cpu"]);
    assert.deepEqual(keys(index.search('state = "ok"')), ["web1/mem", "web2/cpu"]);
    assert.deepEqual(keys(index.search("true")), ["web1/cpu", "web1/mem", "web2/cpu"]);
    assert.deepEqual(keys(index.search((e) => e.host === "web2")), ["web2/cpu"]);
    assert.throws(() => index.search("host ="), QuerySyntaxError);
  });

  it("answers exact-key queries without running the predicate over every event", () => {
    const { index } = setup();
    let reads = 0;
    const counted = (host: string): Event => {
      const e = ev({ host, service: "s", time: 1000 });
      return new Proxy(e, {
        get(target, prop, receiver) {
          reads++;
          return Reflect.get(target, prop, receiver) as unknown;
        },
      });
    };
    for (let i = 0; i < 100; i++) index.insert(counted(`h${i}`));
    reads = 0;
    assert.equal(index.search('host = "h42" and service = "s"').length, 1);
    assert.equal(reads, 0);
    index.search('host = "h42" or service = "x"');
    assert.ok(reads >= 100, "a non-key query scans");
  });

  it("rejects an event with no finite deadline and leaves the index unchanged", () => {
    const { index } = setup();
    assert.throws(() => index.insert(ev({ host: "a", service: "s", time: NaN })), /no finite expiry/);
    assert.equal(index.size, 0);
  });

  it("works as a stream", () => {
    const { index } = setup();
    const s = index.stream();
    s(ev({ host: "a", service: "s", time: 1000 }));
    assert.equal(index.size, 1);
    s(ev({ host: "a", service: "s", time: 1000, state: EXPIRED }));
    assert.equal(index.size, 0);
  });
});

describe("EventIndex: expiry", () => {
  it("emits the expired event exactly when the TTL runs out, with that moment as its time", () => {
    const { clock, index, expired, at } = setup();
    index.insert(ev({ host: "a", service: "cpu", time: 1000, ttl: 10, metric: 5, description: "x", tags: ["t"], attributes: { env: "prod" } }));
    clock.advanceTo(1009.999);
    assert.equal(expired.length, 0);
    assert.equal(index.size, 1);
    clock.advanceTo(1010);
    assert.equal(expired.length, 1);
    const e = expired[0]!;
    assert.equal(e.host, "a");
    assert.equal(e.service, "cpu");
    assert.equal(e.state, EXPIRED);
    assert.equal(e.time, 1010);
    assert.equal(e.metric, undefined);
    assert.deepEqual(e.tags, ["t"]);
    assert.deepEqual(e.attributes, { env: "prod" });
    assert.deepEqual(at, [1010]);
    assert.equal(index.size, 0);
    assert.equal(clock.pending, 0, "no timer left once the index is empty");
  });

  it("uses the default TTL of 60 s and fractional times", () => {
    const { clock, index, expired, at } = setup();
    index.insert(ev({ host: "a", service: "s", time: 1000.25 }));
    clock.advanceTo(1060.249);
    assert.equal(expired.length, 0);
    clock.advanceTo(1061);
    assert.deepEqual(at, [1060.25]);
    assert.equal(expired[0]!.time, 1060.25);
  });

  it("a refresh postpones expiry", () => {
    const { clock, index, expired, at } = setup();
    index.insert(ev({ host: "a", service: "s", time: 1000, ttl: 10 }));
    clock.advanceTo(1008);
    index.insert(ev({ host: "a", service: "s", time: 1008, ttl: 10 }));
    clock.advanceTo(1017.5);
    assert.equal(expired.length, 0);
    clock.advanceTo(1030);
    assert.deepEqual(at, [1018]);
    assert.equal(expired[0]!.time, 1018);
  });

  it("a refresh with a shorter TTL moves expiry earlier, and only one expiry is emitted", () => {
    const { clock, index, expired, at } = setup();
    index.insert(ev({ host: "a", service: "s", time: 1000, ttl: 60 }));
    clock.advanceTo(1001);
    index.insert(ev({ host: "a", service: "s", time: 1001, ttl: 5, metric: 1 }));
    clock.advanceTo(1100);
    assert.deepEqual(at, [1006]);
    assert.equal(expired.length, 1);
    assert.equal(expired[0]!.time, 1006);
  });

  it("a refresh after a shorter TTL can push expiry out again", () => {
    const { clock, index, at } = setup();
    index.insert(ev({ host: "a", service: "s", time: 1000, ttl: 60 }));
    index.insert(ev({ host: "a", service: "s", time: 1000, ttl: 5 }));
    clock.advanceTo(1004);
    index.insert(ev({ host: "a", service: "s", time: 1004, ttl: 30 }));
    clock.advanceTo(1100);
    assert.deepEqual(at, [1034]);
  });

  it("delete cancels the expiry", () => {
    const { clock, index, expired } = setup();
    index.insert(ev({ host: "a", service: "s", time: 1000, ttl: 10 }));
    index.delete("a", "s");
    clock.advanceTo(1100);
    assert.equal(expired.length, 0);
    assert.equal(clock.pending, 0);
  });

  it("a key deleted and inserted again expires once, on its new deadline", () => {
    const { clock, index, at } = setup();
    index.insert(ev({ host: "a", service: "s", time: 1000, ttl: 10 }));
    index.delete("a", "s");
    index.insert(ev({ host: "a", service: "s", time: 1005, ttl: 10 }));
    clock.advanceTo(1100);
    assert.deepEqual(at, [1015]);
  });

  it("expires an event inserted after its deadline on the next turn, dated at its deadline", () => {
    const { clock, index, expired } = setup();
    index.insert(ev({ host: "a", service: "s", time: 900, ttl: 30 }));
    assert.equal(index.size, 1);
    clock.runDue();
    assert.equal(expired[0]!.time, 930);
    assert.equal(index.size, 0);
  });

  it("emits many expirations in deadline order, in slices, all of them", () => {
    const { clock, index, at, expired } = setup(1000, 5000);
    const n = 12_000;
    // 9000 keys due at 1010 (every fourth key excepted), 3000 at 1011.
    for (let i = 0; i < n; i++) index.insert(ev({ host: `h${i}`, service: "s", time: 1000, ttl: i % 4 === 3 ? 11 : 10 }));
    const between: number[] = [];
    clock.setTimer(1010, () => between.push(expired.length));
    clock.advanceTo(1020);
    assert.equal(expired.length, n);
    assert.deepEqual(between, [5000], "the index yields after a slice of 5000");
    assert.equal(expired.findIndex((e) => e.time === 1011), 9000);
    for (let i = 1; i < n; i++) assert.ok(at[i - 1]! <= at[i]!, "in time order");
    assert.deepEqual(expired.slice(0, 4).map((e) => e.host), ["h0", "h1", "h2", "h4"], "same deadline: insertion order");
    assert.equal(index.size, 0);
  });

  it("dates an expiry at the deadline even when the clock runs it late", () => {
    // A clock whose timers only run when the test says so, at whatever time it likes.
    let now = 1000;
    const timers: { at: number; fn: () => void }[] = [];
    const clock: Clock = {
      now: () => now,
      setTimer(at, fn): Timer {
        const t = { at, fn };
        timers.push(t);
        return {
          at,
          cancel() {
            const i = timers.indexOf(t);
            if (i >= 0) timers.splice(i, 1);
          },
        };
      },
    };
    const ctx: StreamContext = { clock, onError: (err) => assert.fail(String(err)) };
    const expired: Event[] = [];
    const index = new EventIndex(ctx, { onExpired: (e) => expired.push(e), sliceSize: 2 });
    for (const host of ["a", "b", "c"]) index.insert(ev({ host, service: "s", time: 1000, ttl: 10 }));
    now = 1025; // the process was busy: the timer runs 15 s late
    while (timers.length > 0) timers.shift()!.fn();
    assert.deepEqual(
      expired.map((e) => [e.host, e.time]),
      [
        ["a", 1010],
        ["b", 1010],
        ["c", 1010],
      ],
    );
  });

  it("survives a throwing onExpired: the error is reported and the other keys still expire", () => {
    const { ctx, clock, errors } = testContext(1000);
    const seen: string[] = [];
    const index = new EventIndex(ctx, {
      onExpired(e) {
        if (e.host === "bad") throw new Error("boom");
        seen.push(e.host);
      },
    });
    for (const host of ["x", "bad", "y"]) index.insert(ev({ host, service: "s", time: 1000, ttl: 5 }));
    clock.advanceTo(1010);
    assert.deepEqual(seen, ["x", "y"]);
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.where, "index expiry");
    assert.equal(index.size, 0);
  });

  it("lets onExpired feed the expired event back in, or insert a fresh event for the key", () => {
    const { ctx, clock } = testContext(1000);
    const times: number[] = [];
    const index: EventIndex = new EventIndex(ctx, {
      onExpired(e) {
        times.push(e.time);
        index.insert(e); // what the engine's streams do with an (index) child: deletes, a no-op here
        if (times.length < 3) index.insert(ev({ host: e.host, service: e.service, time: e.time, ttl: 10 }));
      },
    });
    index.insert(ev({ host: "a", service: "s", time: 1000, ttl: 10 }));
    clock.advanceTo(1100);
    assert.deepEqual(times, [1010, 1020, 1030]);
    assert.equal(index.size, 0);
    assert.equal(clock.pending, 0);
  });

  it("clear forgets keys and pending expiries", () => {
    const { clock, index, expired } = setup();
    index.insert(ev({ host: "a", service: "s", time: 1000, ttl: 5 }));
    index.clear();
    assert.equal(index.size, 0);
    clock.advanceTo(1100);
    assert.equal(expired.length, 0);
    assert.equal(clock.pending, 0);
    index.insert(ev({ host: "a", service: "s", time: 1100, ttl: 5 }));
    clock.advanceTo(1200);
    assert.equal(expired.length, 1);
  });

  it("is deterministic: the same inputs at the same virtual times give the same expiries", () => {
    const run = (): string[] => {
      const { clock, index, expired, at } = setup(1000, 50);
      for (let step = 0; step < 50; step++) {
        clock.advanceTo(1000 + step);
        for (let h = 0; h < 40; h++) {
          if ((h * 7 + step) % 5 === 0) index.insert(ev({ host: `h${h}`, service: `s${h % 3}`, time: clock.now(), ttl: 3 + ((h + step) % 7) }));
        }
        if (step % 11 === 0) index.delete(`h${step % 40}`, `s${step % 3}`);
      }
      clock.advanceTo(1200);
      return expired.map((e, i) => `${e.host}/${e.service}@${e.time}:${at[i]}`);
    };
    const first = run();
    assert.ok(first.length > 100);
    assert.deepEqual(run(), first);
  });
});
