/**
 * Tests of the load probe: raw and per-core load averages, cores from
 * /sys's online list or, without /sys, from /proc/stat.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { countCpuList, loadProbe } from "./load.ts";
import { FixtureTree, metricOf, near, servicesOf } from "./test-support.ts";

const ctx = { host: "web1", now: 1_700_000_000 };

describe("loadProbe", () => {
  const normal = new FixtureTree("normal");
  const old = new FixtureTree("no-psi");
  after(() => {
    normal.cleanup();
    old.cleanup();
  });

  it("reports the three load averages, divided by the online CPUs too", async () => {
    const events = await loadProbe({ procRoot: normal.procRoot, sysRoot: normal.sysRoot, ttl: 30 }).sample(ctx);
    assert.deepEqual(servicesOf(events), ["system.load.1", "system.load.5", "system.load.15", "system.load.norm.1", "system.load.norm.5", "system.load.norm.15", "system.load.cores"]);
    assert.equal(metricOf(events, "system.load.1"), 1.2);
    assert.equal(metricOf(events, "system.load.15"), 0.6);
    assert.equal(near(metricOf(events, "system.load.norm.1")), 0.3);
    assert.equal(metricOf(events, "system.load.cores"), 4);
  });

  it("counts the cpuN lines of /proc/stat when /sys does not say", async () => {
    const events = await loadProbe({ procRoot: old.procRoot, sysRoot: old.sysRoot, ttl: 30 }).sample(ctx);
    assert.equal(metricOf(events, "system.load.cores"), 2);
    assert.equal(near(metricOf(events, "system.load.norm.5")), 0.2);
  });
});

describe("countCpuList", () => {
  it("counts ranges and single CPUs, and rejects what does not parse", () => {
    assert.equal(countCpuList("0-3,6,8-9\n"), 7);
    assert.equal(countCpuList("0\n"), 1);
    assert.equal(countCpuList(""), undefined);
    assert.equal(countCpuList("3-1"), undefined);
  });
});
