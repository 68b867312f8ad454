/** Tests for the cluster aggregates: fraction and count of live hosts matching a predicate, under a virtual clock. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EXPIRED, type Event } from "../event.ts";
import { collect, ev, testContext } from "../test-support.ts";
import { bindIndexStreams } from "./api.ts";
import { clusterCount, clusterFraction, type ClusterSpec } from "./cluster.ts";
import { EventIndex } from "./index-store.ts";

const swapping: ClusterSpec = { service: "swap", predicate: (e) => (e.metric ?? 0) > 100 };

function swap(host: string, time: number, metric: number, ttl = 60): Event {
  return ev({ host, service: "swap", time, metric, ttl });
}

/** A compact view of an emitted event: [metric, matching, live, hosts, time]. */
function summary(e: Event): [number | undefined, string | undefined, string | undefined, string | undefined, number] {
  return [e.metric, e.attributes?.matching, e.attributes?.live, e.attributes?.hosts, e.time];
}

function setup(spec: Partial<ClusterSpec> = {}) {
  const { ctx, clock, errors } = testContext(1000);
  const out = collect();
  const stream = clusterFraction(ctx, { ...swapping, ...spec }, out.stream);
  return { ctx, clock, errors, out, stream };
}

describe("clusterFraction", () => {
  it("10 hosts, 3 swapping: 0.3, emitted only when a count changes", () => {
    const { out, stream } = setup();
    for (let i = 0; i < 10; i++) stream(swap(`h${i}`, 1000, i < 3 ? 500 : 0));
    assert.equal(out.items.length, 10, "each new host changes the live count");
    const last = out.items.at(-1)!;
    assert.deepEqual(summary(last), [0.3, "3", "10", "h0,h1,h2", 1000]);
    assert.equal(last.host, "*");
    assert.equal(last.service, "swap fraction");
    assert.equal(last.state, undefined);
    assert.equal(last.ttl, 60);
    for (let i = 0; i < 10; i++) stream(swap(`h${i}`, 1001, i < 3 ? 600 : 1));
    assert.equal(out.items.length, 10, "refreshes that change no count emit nothing");
  });

  it("recomputes when one host's TTL lapses by the clock, with no index feeding expirations", () => {
    const { clock, out, stream } = setup();
    for (let i = 0; i < 10; i++) stream(swap(`h${i}`, 1000, i < 3 ? 500 : 0));
    clock.advanceTo(1030);
    for (let i = 1; i < 10; i++) stream(swap(`h${i}`, 1030, i < 3 ? 500 : 0)); // h0 (swapping) goes silent
    const before = out.items.length;
    clock.advanceTo(1059.999);
    assert.equal(out.items.length, before);
    clock.advanceTo(1060);
    assert.deepEqual(summary(out.items.at(-1)!), [2 / 9, "2", "9", "h1,h2", 1060]);
    clock.advanceTo(1090);
    assert.deepEqual(summary(out.items.at(-1)!), [0, "0", "0", "", 1090], "everyone else lapses at 1090");
    assert.equal(clock.pending, 0, "no timer once no host is live");
  });

  it("drops a host when its expired event passes by (the index's re-injection)", () => {
    const { out, stream } = setup();
    for (let i = 0; i < 4; i++) stream(swap(`h${i}`, 1000, i < 2 ? 500 : 0));
    stream(ev({ host: "h0", service: "swap", time: 1010, state: EXPIRED }));
    assert.deepEqual(summary(out.items.at(-1)!), [1 / 3, "1", "3", "h1", 1000]);
    const n = out.items.length;
    stream(ev({ host: "h0", service: "swap", time: 1010, state: EXPIRED }));
    stream(ev({ host: "nobody", service: "swap", time: 1010, state: EXPIRED }));
    assert.equal(out.items.length, n, "expiring an absent host changes nothing");
  });

  it("works behind an index that re-injects its expirations: each host leaves once", () => {
    const { ctx, clock } = testContext(1000);
    const out = collect();
    const aggregate = clusterFraction(ctx, swapping, out.stream);
    const index = new EventIndex(ctx, { onExpired: aggregate });
    const feed = (e: Event): void => {
      index.insert(e);
      aggregate(e);
    };
    feed(swap("a", 1000, 500, 10));
    feed(swap("b", 1000, 0, 20));
    clock.advanceTo(1100);
    assert.deepEqual(
      out.items.map((e) => summary(e)),
      [
        [1, "1", "1", "a", 1000],
        [0.5, "1", "2", "a", 1000],
        [0, "0", "1", "", 1010],
        [0, "0", "0", "", 1020],
      ],
    );
  });

  it("follows a flapping host, one emission per change", () => {
    const { clock, out, stream } = setup();
    stream(swap("steady", 1000, 0));
    stream(swap("flappy", 1000, 0));
    const metrics: (number | undefined)[] = [];
    for (let t = 1001; t <= 1006; t++) {
      clock.advanceTo(t);
      stream(swap("flappy", t, t % 2 === 1 ? 500 : 0));
      stream(swap("steady", t, 0));
      metrics.push(out.items.at(-1)!.metric);
    }
    assert.deepEqual(metrics, [0.5, 0, 0.5, 0, 0.5, 0]);
    assert.equal(out.items.length, 2 + 6);
    assert.deepEqual(
      out.items.slice(-2).map((e) => e.time),
      [1005, 1006],
    );
  });

  it("never divides by zero: no input, no output; no live hosts gives metric 0", () => {
    const { clock, out, stream } = setup();
    clock.advanceTo(2000);
    assert.equal(out.items.length, 0);
    stream(swap("a", 2000, 500, 5));
    clock.advanceTo(2005);
    assert.deepEqual(summary(out.items.at(-1)!), [0, "0", "0", "", 2005]);
    assert.ok(out.items.every((e) => Number.isFinite(e.metric)));
  });

  it("gives no metric while fewer than minHosts hosts are live", () => {
    const { out, stream } = setup({ minHosts: 3 });
    stream(swap("a", 1000, 500));
    stream(swap("b", 1000, 500));
    assert.deepEqual(out.items.map((e) => e.metric), [undefined, undefined]);
    stream(swap("c", 1000, 0));
    assert.equal(out.items.at(-1)!.metric, 2 / 3);
    stream(ev({ host: "c", service: "swap", time: 1001, state: EXPIRED }));
    assert.equal(out.items.at(-1)!.metric, undefined);
    assert.equal(out.items.at(-1)!.attributes?.live, "2");
  });

  it("ignores other services and forwards nothing it receives", () => {
    const { out, stream } = setup();
    stream(ev({ host: "a", service: "cpu", time: 1000, metric: 1000 }));
    stream(ev({ host: "a", service: "cpu", time: 1000, state: EXPIRED }));
    assert.equal(out.items.length, 0);
    stream(swap("a", 1000, 500));
    assert.equal(out.items.length, 1);
    assert.equal(out.items[0]!.service, "swap fraction");
  });

  it("does not count an event whose TTL has already lapsed, and drops its host", () => {
    const { out, stream } = setup();
    stream(swap("a", 1000, 500));
    stream(swap("b", 900, 500, 30));
    assert.deepEqual(summary(out.items.at(-1)!), [1, "1", "1", "a", 1000]);
    stream(swap("a", 900, 500, 30)); // a late, stale event for a: a is not live on its evidence
    assert.deepEqual(summary(out.items.at(-1)!), [0, "0", "0", "", 1000]);
  });

  it("a shorter TTL on refresh moves the host's expiry earlier", () => {
    const { clock, out, stream } = setup();
    stream(swap("a", 1000, 500, 60));
    stream(swap("a", 1000, 500, 5));
    clock.advanceTo(1005);
    assert.deepEqual(summary(out.items.at(-1)!), [0, "0", "0", "", 1005]);
  });

  it("lists at most maxListedHosts matching hosts, in the order they started matching", () => {
    const { out, stream } = setup({ maxListedHosts: 2 });
    for (const host of ["c", "a", "b"]) stream(swap(host, 1000, 500));
    assert.deepEqual(summary(out.items.at(-1)!), [1, "3", "3", "c,a", 1000]);
    stream(swap("c", 1000, 0));
    stream(swap("c", 1000, 500));
    assert.equal(out.items.at(-1)!.attributes?.hosts, "a,b");
  });

  it("uses the given output name and ttl", () => {
    const { out, stream } = setup({ name: "swapping hosts", ttl: 300 });
    stream(swap("a", 1000, 0));
    assert.equal(out.items[0]!.service, "swapping hosts");
    assert.equal(out.items[0]!.ttl, 300);
  });

  it("reports a throwing predicate and ignores that event", () => {
    const { errors, out, stream } = setup({
      predicate: (e) => {
        if (e.host === "bad") throw new Error("boom");
        return true;
      },
    });
    stream(swap("bad", 1000, 1));
    stream(swap("good", 1000, 1));
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.where, "clusterFraction");
    assert.deepEqual(summary(out.items.at(-1)!), [1, "1", "1", "good", 1000]);
  });

  it("isolates a throwing child", () => {
    const { ctx, errors } = testContext(1000);
    const out = collect();
    const stream = clusterFraction(
      ctx,
      swapping,
      () => {
        throw new Error("child");
      },
      out.stream,
    );
    stream(swap("a", 1000, 500));
    assert.equal(out.items.length, 1);
    assert.equal(errors.length, 1);
  });

  it("validates its spec when built", () => {
    const { ctx } = testContext(0);
    assert.throws(() => clusterFraction(ctx, { ...swapping, service: "" }), /clusterFraction: spec.service must be a non-empty string/);
    assert.throws(() => clusterFraction(ctx, { service: "x", predicate: "yes" as unknown as () => boolean }), /spec.predicate must be a function, got string/);
    assert.throws(() => clusterFraction(ctx, { ...swapping, minHosts: -1 }), /spec.minHosts must be an integer >= 0, got -1/);
    assert.throws(() => clusterFraction(ctx, { ...swapping, ttl: 0 }), /spec.ttl must be a finite number > 0, got 0/);
    assert.throws(() => clusterCount(ctx, { ...swapping, maxListedHosts: 1.5 }), /clusterCount: spec.maxListedHosts must be an integer >= 0/);
  });
});

describe("clusterCount", () => {
  it("emits the number of matching live hosts", () => {
    const { ctx, clock } = testContext(1000);
    const out = collect();
    const stream = clusterCount(ctx, swapping, out.stream);
    stream(swap("a", 1000, 500, 10));
    stream(swap("b", 1000, 500, 20));
    stream(swap("c", 1000, 0, 20));
    clock.advanceTo(1010);
    assert.deepEqual(
      out.items.map((e) => [e.service, e.metric, e.attributes?.live]),
      [
        ["swap count", 1, "1"],
        ["swap count", 2, "2"],
        ["swap count", 2, "3"],
        ["swap count", 1, "2"],
      ],
    );
  });
});

describe("bindIndexStreams", () => {
  it("binds clusterFraction and clusterCount to the context", () => {
    const { ctx } = testContext(1000);
    const s = bindIndexStreams(ctx);
    const out = collect();
    const stream = s.clusterFraction(swapping, out.stream);
    stream(swap("a", 1000, 500));
    assert.equal(out.items[0]!.metric, 1);
    const counted = collect();
    s.clusterCount(swapping, counted.stream)(swap("a", 1000, 500));
    assert.equal(counted.items[0]!.metric, 1);
  });
});
