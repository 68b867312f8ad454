/**
 * Tests of the disk I/O probe: iostat-style rates per whole disk between
 * two samples (partitions, loop, ram and idle devices skipped), busy
 * clamped to 1, a device whose counters reset skipped for one interval,
 * and partitions told apart by name when /sys is not there.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { diskioProbe, parseDiskstats } from "./diskio.ts";
import { FixtureTree, metricOf, near } from "./test-support.ts";
import type { Event } from "../../streams/event.ts";

const T0 = 1_700_000_000;
const host = "web1";

function devices(events: readonly Event[]): string[] {
  return [...new Set(events.map((e) => e.attributes?.device ?? "?"))];
}

describe("diskioProbe", () => {
  const tree = new FixtureTree("normal");
  after(() => tree.cleanup());
  const probe = diskioProbe({ procRoot: tree.procRoot, sysRoot: tree.sysRoot, ttl: 30 });

  it("reports nothing on the first sample", async () => {
    assert.deepEqual(await probe.sample({ host, now: T0 }), []);
  });

  it("reports per-second rates, busy and await per whole disk", async () => {
    tree.apply("normal-later");
    const events = await probe.sample({ host, now: T0 + 10 });
    assert.deepEqual(devices(events), ["sda", "nvme0n1", "dm-0"], "no partitions, loop, ram, or never-used sr0");
    // sda in 10 s: 500 reads of 20000 sectors in 1000 ms, 250 writes of 4000 sectors in 500 ms, 5000 ms busy.
    assert.equal(metricOf(events, "system.diskio.iostat.read.per_sec.bytes sda"), (20000 * 512) / 10);
    assert.equal(metricOf(events, "system.diskio.iostat.write.per_sec.bytes sda"), (4000 * 512) / 10);
    assert.equal(metricOf(events, "system.diskio.iostat.read.request.per_sec sda"), 50);
    assert.equal(metricOf(events, "system.diskio.iostat.write.request.per_sec sda"), 25);
    assert.equal(metricOf(events, "system.diskio.iostat.busy sda"), 0.5);
    assert.equal(near(metricOf(events, "system.diskio.iostat.await sda")), 2);
    assert.equal(metricOf(events, "system.diskio.iostat.busy nvme0n1"), 0.2);
    assert.equal(metricOf(events, "system.diskio.iostat.busy dm-0"), 1, "10.5 s of io_ticks in 10 s is clamped to 1");
    assert.equal(events.find((e) => e.service === "system.diskio.iostat.busy sda")?.attributes?.device, "sda");
  });

  it("skips a device whose counters went backwards for one interval, then rates from its new baseline", async () => {
    tree.apply("counter-reset");
    const reset = await probe.sample({ host, now: T0 + 20 });
    assert.deepEqual(devices(reset), ["nvme0n1"]);
    tree.apply("counter-reset-later");
    const resumed = await probe.sample({ host, now: T0 + 30 });
    assert.equal(metricOf(resumed, "system.diskio.iostat.read.request.per_sec sda"), 10);
    assert.equal(metricOf(resumed, "system.diskio.iostat.read.per_sec.bytes sda"), (1000 * 512) / 10);
    assert.equal(metricOf(resumed, "system.diskio.iostat.busy sda"), 0.05);
    assert.equal(metricOf(resumed, "system.diskio.iostat.await sda"), 1);
    assert.equal(metricOf(resumed, "system.diskio.iostat.write.request.per_sec sda"), 0);
  });

  it("tells partitions by name when /sys/block cannot be listed", async () => {
    const old = new FixtureTree("no-psi");
    try {
      const p = diskioProbe({ procRoot: old.procRoot, sysRoot: old.sysRoot, ttl: 30 });
      await p.sample({ host, now: T0 });
      assert.deepEqual(devices(await p.sample({ host, now: T0 + 10 })), ["sda", "xvdb"]);
    } finally {
      old.cleanup();
    }
  });
});

describe("parseDiskstats", () => {
  it("reads 14-column (old) and 20-column (new) lines alike", () => {
    const [old, young] = parseDiskstats(" 8 0 sda 1 2 3 4 5 6 7 8 9 10 11\n 8 16 sdb 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n");
    assert.deepEqual(old, { name: "sda", reads: 1, readSectors: 3, readMs: 4, writes: 5, writeSectors: 7, writeMs: 8, ioMs: 10 });
    assert.deepEqual(young, { ...old, name: "sdb" });
  });
});
