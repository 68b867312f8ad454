/**
 * Tests of the Mesos whitelist file export: sorted schedulable registered
 * hosts one per line, written atomically and only when changed, kept as it
 * is (never written empty) when the whitelist would be empty or the
 * inventory is empty, small, or much smaller than the file.
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { MesosWhitelistExport } from "./mesos-export.ts";
import { resolveMesosExportOptions } from "./options.ts";
import { fleet, openHealth, T0, tempDir, type TestHealth } from "./test-support.ts";

const tmp = tempDir("sat-mesos-");
after(() => tmp.cleanup());

function exporter(t: TestHealth, name: string, skips: string[] = []): MesosWhitelistExport {
  return new MesosWhitelistExport({ health: t.health, inventory: t.inventory, clock: t.clock, options: { path: join(tmp.dir, name) }, log: () => {}, onSkip: (r) => void skips.push(r) });
}

describe("Mesos whitelist export", () => {
  it("writes the schedulable registered hosts, sorted, one per line, and rewrites only on change", () => {
    const t = openHealth({ hosts: ["c", "a", "b", "d"], options: { maxOutFraction: 1 } });
    const file = join(tmp.dir, "whitelist");
    const ex = exporter(t, "whitelist");
    assert.deepEqual(ex.sync(), { outcome: "written", hosts: 4 });
    assert.equal(readFileSync(file, "utf8"), "a\nb\nc\nd\n");
    t.health.handle({ kind: "drain", rule: "r", host: "b", reason: "x", time: T0 });
    t.health.setManual("unregistered", "m", { state: "ok", ttlSeconds: 60 }, "operator:ann");
    assert.deepEqual(ex.sync(), { outcome: "written", hosts: 3 });
    assert.equal(readFileSync(file, "utf8"), "a\nc\nd\n", "drained and unregistered hosts are not listed");
    assert.deepEqual(ex.sync(), { outcome: "unchanged", hosts: 3 });
    assert.deepEqual(readdirSync(tmp.dir).filter((f) => f.includes(".tmp")), [], "no temporary file left behind");
  });

  it("never writes an empty file: with every host out the previous file stays, and why is recorded", () => {
    const t = openHealth({ hosts: fleet(3) });
    const skips: string[] = [];
    const ex = exporter(t, "never-empty", skips);
    ex.sync();
    for (const h of fleet(3)) t.health.setManual(h, "m", { state: "critical", ttlSeconds: 60 }, "operator:ann");
    const r = ex.sync();
    assert.equal(r.outcome, "kept");
    assert.equal(readFileSync(join(tmp.dir, "never-empty"), "utf8"), "h01\nh02\nh03\n");
    assert.match(ex.lastSkip!.reason, /the computed whitelist is empty/);
    ex.sync();
    assert.equal(skips.length, 1, "the same reason is reported once");
    t.health.recordNote("mesos-export-kept", skips[0]!);
    assert.match(t.health.history("*")[0]!.reason, /the computed whitelist is empty/);
  });

  it("never writes from an empty or small inventory, and does not create the file from one", () => {
    const t = openHealth({ hosts: 0 });
    const ex = exporter(t, "empty-inventory");
    assert.match((ex.sync() as { reason: string }).reason, /the inventory has 0 registered hosts, fewer than 3/);
    assert.equal(existsSync(join(tmp.dir, "empty-inventory")), false);
    t.inventory.hosts.add("h01");
    t.inventory.hosts.add("h02");
    assert.equal(ex.sync().outcome, "kept");
    t.inventory.hosts.add("h03");
    assert.equal(ex.sync().outcome, "written");
  });

  it("takes an inventory much smaller than the file as partial and keeps the file", () => {
    const t = openHealth({ hosts: fleet(10) });
    const file = join(tmp.dir, "partial");
    writeFileSync(file, fleet(40).join("\n") + "\n");
    const ex = exporter(t, "partial");
    assert.match((ex.sync() as { reason: string }).reason, /10 registered hosts while the file lists 40: taken as partial/);
    assert.equal(readFileSync(file, "utf8").split("\n").filter(Boolean).length, 40);
    for (const h of fleet(30).slice(10)) t.inventory.hosts.add(h);
    assert.deepEqual(ex.sync(), { outcome: "written", hosts: 30 });
  });

  it("syncs every syncSeconds once started", () => {
    const t = openHealth({ hosts: fleet(5), options: { maxOutFraction: 1 } });
    const file = join(tmp.dir, "periodic");
    const ex = exporter(t, "periodic");
    ex.start();
    assert.equal(readFileSync(file, "utf8").split("\n").filter(Boolean).length, 5);
    t.health.handle({ kind: "drain", rule: "r", host: "h01", reason: "x", time: T0 });
    t.clock.advanceBy(10);
    assert.equal(readFileSync(file, "utf8"), "h02\nh03\nh04\nh05\n");
    ex.close();
    assert.throws(() => resolveMesosExportOptions({ path: "" }), /scheduler\.mesosWhitelist\.path must be a file path/);
  });
});
