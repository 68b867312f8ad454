/**
 * Tests of the swap probe: swap use as Metricbeat names it, and a host
 * without swap reported as such (zeros and `swap: "none"`, never NaN).
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { swapProbe } from "./swap.ts";
import { FixtureTree, metricOf } from "./test-support.ts";

const ctx = { host: "web1", now: 1_700_000_000 };
const GiB = 1024 ** 3;

describe("swapProbe", () => {
  const tree = new FixtureTree("normal");
  after(() => tree.cleanup());

  it("reports swap total, free, used and the used fraction", async () => {
    const events = await swapProbe({ procRoot: tree.procRoot, ttl: 30 }).sample(ctx);
    assert.equal(metricOf(events, "system.memory.swap.total"), 4 * GiB);
    assert.equal(metricOf(events, "system.memory.swap.free"), 3 * GiB);
    assert.equal(metricOf(events, "system.memory.swap.used.bytes"), 1 * GiB);
    assert.equal(metricOf(events, "system.memory.swap.used.pct"), 0.25);
    assert.ok(events.every((e) => e.attributes === undefined));
  });

  it("reports a host without swap as zeros marked swap: none", async () => {
    tree.apply("no-swap");
    const events = await swapProbe({ procRoot: tree.procRoot, ttl: 30 }).sample(ctx);
    assert.equal(events.length, 4);
    assert.equal(metricOf(events, "system.memory.swap.total"), 0);
    assert.equal(metricOf(events, "system.memory.swap.used.pct"), 0);
    assert.ok(events.every((e) => Number.isFinite(e.metric) && e.attributes?.swap === "none"));
  });
});
