/**
 * Tests of the CPU probe against fixture /proc trees: per-state shares of
 * the ticks between two samples (non-normalised like Metricbeat, plus
 * total.norm), nothing but the core count on a first sample or after the
 * counters restarted, and the parser on an old kernel's shorter line.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { cpuProbe, parseCpuStat } from "./cpu.ts";
import { FixtureTree, metricOf, near, servicesOf } from "./test-support.ts";

const T0 = 1_700_000_000;
const host = "web1";

describe("cpuProbe", () => {
  const tree = new FixtureTree("normal");
  after(() => tree.cleanup());
  const probe = cpuProbe({ procRoot: tree.procRoot, ttl: 30 });

  it("reports only the core count on the first sample", async () => {
    const events = await probe.sample({ host, now: T0 });
    assert.deepEqual(servicesOf(events), ["system.cpu.cores"]);
    assert.equal(metricOf(events, "system.cpu.cores"), 4);
    assert.deepEqual({ host: events[0]!.host, time: events[0]!.time, state: events[0]!.state, ttl: events[0]!.ttl, tags: events[0]!.tags }, { host, time: T0, state: "ok", ttl: 30, tags: ["collector"] });
  });

  it("reports each state's share of the ticks between two samples, times the cores", async () => {
    tree.apply("normal-later");
    const events = await probe.sample({ host, now: T0 + 10 });
    // 4000 ticks passed: user 1000, system 400, idle 2000, iowait 400, softirq 100, steal 100.
    assert.equal(near(metricOf(events, "system.cpu.total.pct")), 1.6, "busy = all but idle and iowait");
    assert.equal(near(metricOf(events, "system.cpu.total.norm.pct")), 0.4);
    assert.equal(near(metricOf(events, "system.cpu.user.pct")), 1);
    assert.equal(near(metricOf(events, "system.cpu.system.pct")), 0.4);
    assert.equal(near(metricOf(events, "system.cpu.iowait.pct")), 0.4);
    assert.equal(near(metricOf(events, "system.cpu.steal.pct")), 0.1);
  });

  it("gives no percentages for an interval with no ticks", async () => {
    const events = await probe.sample({ host, now: T0 + 15 });
    assert.deepEqual(servicesOf(events), ["system.cpu.cores"]);
  });

  it("gives no percentages when the counters restarted, and resumes from the new baseline", async () => {
    tree.apply("counter-reset");
    assert.deepEqual(servicesOf(await probe.sample({ host, now: T0 + 20 })), ["system.cpu.cores"]);
    tree.apply("counter-reset-later");
    const events = await probe.sample({ host, now: T0 + 30 });
    assert.equal(near(metricOf(events, "system.cpu.total.pct")), 1.6);
    assert.equal(near(metricOf(events, "system.cpu.steal.pct")), 0.1);
  });

  it("returns nothing when /proc/stat is missing", async () => {
    assert.deepEqual(await cpuProbe({ procRoot: `${tree.root}/nowhere`, ttl: 30 }).sample({ host, now: T0 }), []);
  });
});

describe("parseCpuStat", () => {
  it("reads an old kernel's line without guest columns and counts the cpuN lines", () => {
    assert.deepEqual(parseCpuStat("cpu  10 0 5 100 1 0 0\ncpu0 10 0 5 100 1 0 0\ncpu1 0 0 0 0 0 0 0\n"), { ticks: [10, 0, 5, 100, 1, 0, 0, 0], cores: 2 });
    assert.equal(parseCpuStat("intr 1\n"), undefined);
  });
});
