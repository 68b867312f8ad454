/**
 * Tests of the PSI probe: the kernel's percentages as fractions for every
 * line present, and a kernel without PSI giving no events and no error.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { parsePressure, pressureProbe } from "./pressure.ts";
import { FixtureTree, metricOf } from "./test-support.ts";

const ctx = { host: "web1", now: 1_700_000_000 };

describe("pressureProbe", () => {
  const tree = new FixtureTree("normal");
  after(() => tree.cleanup());

  it("reports some and full pressure over 10, 60 and 300 s for cpu, memory and io, as fractions", async () => {
    const events = await pressureProbe({ procRoot: tree.procRoot, ttl: 30 }).sample(ctx);
    assert.equal(events.length, 18);
    assert.equal(metricOf(events, "linux.pressure.cpu.some.10.pct"), 0.125);
    assert.equal(metricOf(events, "linux.pressure.cpu.full.300.pct"), 0);
    assert.equal(metricOf(events, "linux.pressure.memory.some.60.pct"), 0.015);
    assert.equal(metricOf(events, "linux.pressure.io.full.10.pct"), 0.15);
  });

  it("reports the resources whose file is there", async () => {
    const t = new FixtureTree("normal");
    try {
      t.remove("proc/pressure/cpu");
      const events = await pressureProbe({ procRoot: t.procRoot, ttl: 30 }).sample(ctx);
      assert.equal(events.length, 12);
      assert.ok(events.every((e) => !e.service.startsWith("linux.pressure.cpu.")));
    } finally {
      t.cleanup();
    }
  });

  it("returns nothing, without error, on a kernel without PSI", async () => {
    const old = new FixtureTree("no-psi");
    try {
      assert.deepEqual(await pressureProbe({ procRoot: old.procRoot, ttl: 30 }).sample(ctx), []);
    } finally {
      old.cleanup();
    }
  });
});

describe("parsePressure", () => {
  it("skips lines that are not some or full, and fields that do not parse", () => {
    const lines = parsePressure("some avg10=1.00 avg60=x avg300=3.00 total=5\nbogus avg10=1\n");
    assert.equal(lines.length, 1);
    assert.deepEqual([...lines[0]!.averages], [["avg10", 0.01], ["avg300", 0.03]]);
  });
});
