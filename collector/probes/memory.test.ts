/**
 * Tests of the memory probe: Metricbeat's "used" (total − free) and
 * "actual" (MemAvailable) figures, and the fallback for kernels without
 * MemAvailable.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { memoryProbe } from "./memory.ts";
import { FixtureTree, metricOf } from "./test-support.ts";

const ctx = { host: "web1", now: 1_700_000_000 };
const GiB = 1024 ** 3;

describe("memoryProbe", () => {
  const normal = new FixtureTree("normal");
  const old = new FixtureTree("no-psi");
  after(() => {
    normal.cleanup();
    old.cleanup();
  });

  it("reports used as total − free and actual used from MemAvailable", async () => {
    const events = await memoryProbe({ procRoot: normal.procRoot, ttl: 30 }).sample(ctx);
    assert.equal(metricOf(events, "system.memory.total"), 16 * GiB);
    assert.equal(metricOf(events, "system.memory.free"), 2 * GiB);
    assert.equal(metricOf(events, "system.memory.used.bytes"), 14 * GiB);
    assert.equal(metricOf(events, "system.memory.used.pct"), 14 / 16);
    assert.equal(metricOf(events, "system.memory.actual.free"), 8 * GiB);
    assert.equal(metricOf(events, "system.memory.actual.used.bytes"), 8 * GiB);
    assert.equal(metricOf(events, "system.memory.actual.used.pct"), 0.5);
  });

  it("takes free + buffers + cached as available on a kernel without MemAvailable", async () => {
    const events = await memoryProbe({ procRoot: old.procRoot, ttl: 30 }).sample(ctx);
    assert.equal(metricOf(events, "system.memory.actual.free"), 2 * GiB, "1 GiB free + 256 MiB buffers + 768 MiB cached");
    assert.equal(metricOf(events, "system.memory.actual.used.pct"), 0.5);
  });
});
