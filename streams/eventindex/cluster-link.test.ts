/**
 * Tests of the cluster aggregates in linked mode (`ctx.cluster` set), with a
 * fake link: counts per slot, moves between slots, dropping slots, expiry,
 * and emission from the merged totals only.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EXPIRED, type Event } from "../event.ts";
import type { StreamContext } from "../stream.ts";
import { collect, ev, testContext } from "../test-support.ts";
import { clusterCount, clusterFraction, type ClusterSpec } from "./cluster.ts";
import type { ClusterAggregateSource, ClusterLink } from "./cluster-link.ts";

const swapping: ClusterSpec = { service: "swap", predicate: (e) => (e.metric ?? 0) > 100 };

function swap(host: string, time: number, metric: number, ttl = 60): Event {
  return ev({ host, service: "swap", time, metric, ttl });
}

/** A link whose batch slot and host → slot map the test sets, recording registrations and change notices. */
class FakeLink implements ClusterLink {
  readonly localSlot = "local/e1";
  readonly slots = new Map<string, string>();
  batch: string | undefined;
  currentSlot(): string | undefined {
    return this.batch;
  }
  readonly sources = new Map<string, ClusterAggregateSource>();
  changes = 0;
  slotOf(host: string): string | undefined {
    return this.slots.get(host);
  }
  register(name: string, source: ClusterAggregateSource) {
    this.sources.set(name, source);
    return { changed: () => void this.changes++ };
  }
}

function setup(spec: Partial<ClusterSpec> = {}) {
  const base = testContext(1000);
  const link = new FakeLink();
  const ctx: StreamContext = { ...base.ctx, cluster: link };
  const out = collect();
  const stream = clusterFraction(ctx, { ...swapping, ...spec }, out.stream);
  const source = link.sources.get("swap fraction")!;
  return { ...base, link, out, stream, source };
}

describe("clusterFraction with a cluster link", () => {
  it("registers under its name, emits nothing from local counts, and reports counts per slot", () => {
    const { link, out, stream, source } = setup();
    assert.deepEqual([...link.sources.keys()], ["swap fraction"]);
    for (let i = 0; i < 6; i++) link.slots.set(`h${i}`, `events/${i % 2}`);
    for (let i = 0; i < 6; i++) stream(swap(`h${i}`, 1000, i < 3 ? 500 : 0));
    stream(swap("x", 1000, 500)); // never seen on the bus: the local slot
    assert.equal(out.items.length, 0);
    assert.equal(link.changes, 7);
    assert.deepEqual(source.partial("events/0"), { live: 3, matching: 2, hosts: ["h0", "h2"] });
    assert.deepEqual(source.partial("events/1"), { live: 3, matching: 1, hosts: ["h1"] });
    assert.deepEqual(source.partial("local/e1"), { live: 1, matching: 1, hosts: ["x"] });
    assert.equal(source.partial("events/2"), undefined);
    for (let i = 0; i < 6; i++) stream(swap(`h${i}`, 1001, i < 3 ? 600 : 1));
    assert.equal(link.changes, 7, "a refresh that changes no count does not bother the link");
  });

  it("emits the merged totals, on change only, with minHosts and the listed hosts cut", () => {
    const { out, source } = setup({ minHosts: 10, maxListedHosts: 2 });
    source.merged({ live: 8, matching: 4, hosts: ["a", "b", "c"] });
    source.merged({ live: 8, matching: 4, hosts: ["a"] });
    source.merged({ live: 20, matching: 5, hosts: ["a", "b", "c"] });
    assert.deepEqual(
      out.items.map((e) => [e.host, e.service, e.metric, e.attributes?.matching, e.attributes?.live, e.attributes?.hosts]),
      [
        ["*", "swap fraction", undefined, "4", "8", "a,b"],
        ["*", "swap fraction", 0.25, "5", "20", "a,b"],
      ],
    );
  });

  it("places a host in the slot of the batch being processed, before anything the link knows of the host", () => {
    const { link, stream, source } = setup();
    link.slots.set("h1", "tasks/2");
    link.batch = "events/1";
    stream(swap("h1", 1000, 500));
    assert.deepEqual(source.partial("events/1"), { live: 1, matching: 1, hosts: ["h1"] });
  });

  it("moves a host to its new slot when its events arrive through another partition", () => {
    const { link, stream, source } = setup();
    link.batch = "events/1";
    stream(swap("h1", 1000, 500));
    link.batch = "events/4";
    stream(swap("h1", 1001, 500));
    assert.equal(source.partial("events/1"), undefined);
    assert.deepEqual(source.partial("events/4"), { live: 1, matching: 1, hosts: ["h1"] });
  });

  it("keeps a host's slot for events outside a batch (made by a rule on a timer, or after an expiry)", () => {
    const { link, stream, source } = setup();
    link.batch = "events/1";
    stream(swap("h1", 1000, 0));
    link.batch = undefined;
    link.slots.set("h1", "tasks/3");
    stream(swap("h1", 1001, 500));
    assert.deepEqual(source.partial("events/1"), { live: 1, matching: 1, hosts: ["h1"] });
  });

  it("drops the hosts of lost slots without emitting, and forgets hosts as they expire", () => {
    const { link, clock, out, stream, source } = setup();
    link.slots.set("h1", "events/1");
    link.slots.set("h2", "events/2");
    stream(swap("h1", 1000, 500, 30));
    stream(swap("h2", 1000, 500, 60));
    source.drop(new Set(["events/1"]));
    assert.equal(source.partial("events/1"), undefined);
    clock.advanceBy(40);
    assert.deepEqual(source.partial("events/2"), { live: 1, matching: 1, hosts: ["h2"] }, "h1's expiry timer was cancelled with it");
    stream({ ...swap("h2", 1040, 500), state: EXPIRED });
    assert.equal(source.partial("events/2"), undefined);
    clock.advanceBy(60);
    assert.equal(out.items.length, 0);
  });

  it("clusterCount registers under its own default name", () => {
    const base = testContext(1000);
    const link = new FakeLink();
    clusterCount({ ...base.ctx, cluster: link }, swapping);
    assert.deepEqual([...link.sources.keys()], ["swap count"]);
  });
});
