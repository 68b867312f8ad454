/**
 * Tests that host health survives restarts on a real SQLite file: a
 * blacklist's TTL resumes where it was, manual events, drains, the return
 * damping, held actions and the rate window come back, and a process killed
 * with SIGKILL right after its changes loses none of them.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { openDatabase } from "../../store/database.ts";
import { VirtualClock } from "../../streams/clock.ts";
import { fleet, openHealth, T0, tempDir, TestInventory } from "./test-support.ts";

const tmp = tempDir();
after(() => tmp.cleanup());

describe("host health: restart", () => {
  it("resumes a blacklist's TTL after a restart mid-blacklist", () => {
    const file = join(tmp.dir, "blacklist.db");
    const clock = new VirtualClock(T0);
    const inventory = new TestInventory(fleet(50));
    const first = openHealth({ db: openDatabase(file), clock, inventory, options: { returnDampingSeconds: 300 } });
    first.health.handle({ kind: "blacklist", rule: "task-black-hole", host: "h01", reason: "tasks fail", ttl: 3600, time: T0 });
    clock.advanceBy(1000);
    first.health.close();
    first.db.close();

    const later = new VirtualClock(T0 + 1000);
    const second = openHealth({ db: openDatabase(file), clock: later, inventory, options: { returnDampingSeconds: 300 } });
    assert.equal(second.health.status("h01").schedulable, false);
    later.advanceTo(T0 + 3599);
    assert.equal(second.health.status("h01").schedulable, false);
    later.advanceTo(T0 + 3600);
    assert.match(second.health.status("h01").reasons[0]!, /returning/, "the TTL ran out at the original time; damping started");
    second.health.close();
    second.db.close();

    const third = new VirtualClock(T0 + 3700);
    const again = openHealth({ db: openDatabase(file), clock: third, inventory, options: { returnDampingSeconds: 300 } });
    assert.equal(again.health.status("h01").schedulable, false, "mid-damping after a second restart");
    third.advanceTo(T0 + 3900);
    assert.equal(again.health.status("h01").schedulable, true);
    assert.deepEqual(again.health.history("h01").map((e) => e.action).reverse(), ["blacklist", "expire", "return"]);
    again.health.close();
    again.db.close();
  });

  it("processes what fell due while it was down on the first turn after loading", () => {
    const file = join(tmp.dir, "due.db");
    const inventory = new TestInventory(fleet(50));
    const first = openHealth({ db: openDatabase(file), inventory, options: { returnDampingSeconds: 0 } });
    first.health.handle({ kind: "blacklist", rule: "r", host: "h01", reason: "x", ttl: 60, time: T0 });
    first.health.setManual("h02", "m", { state: "critical", ttlSeconds: 60 }, "operator:ann");
    first.health.close();
    first.db.close();
    const clock = new VirtualClock(T0 + 3600);
    const second = openHealth({ db: openDatabase(file), clock, inventory, options: { returnDampingSeconds: 0 } });
    clock.runDue();
    assert.equal(second.health.status("h01").schedulable, true);
    assert.equal(second.health.status("h02").schedulable, true);
    second.health.close();
    second.db.close();
  });

  it("keeps held actions and the rate window across a restart", () => {
    const file = join(tmp.dir, "held.db");
    const inventory = new TestInventory(fleet(100));
    const options = { maxOutFraction: 1, maxRemovalsPerWindow: 2, removalWindowSeconds: 600 };
    const first = openHealth({ db: openDatabase(file), inventory, options });
    for (const h of fleet(3)) first.health.handle({ kind: "drain", rule: "r", host: h, reason: "x", time: T0 });
    first.health.close();
    first.db.close();
    const clock = new VirtualClock(T0 + 10);
    const second = openHealth({ db: openDatabase(file), clock, inventory, options });
    assert.deepEqual(second.health.guardState().held.map((a) => a.host), ["h03"]);
    assert.equal(second.health.guardState().removalsInWindow, 2);
    second.health.handle({ kind: "drain", rule: "r", host: "h04", reason: "x", time: T0 + 10 });
    assert.equal(second.health.status("h04").schedulable, true, "the window still holds the removals from before the restart");
    clock.advanceTo(T0 + 600);
    assert.equal(second.health.status("h03").schedulable, false);
    assert.equal(second.health.status("h04").schedulable, false);
    second.health.close();
    second.db.close();
  });

  it("a failed transaction changes nothing, in the store or in memory, and its timers back off", () => {
    const { health, clock, db } = openHealth({ options: { returnDampingSeconds: 0 } });
    health.handle({ kind: "blacklist", rule: "r", host: "h01", reason: "x", ttl: 10, time: T0 });
    db.exec("ALTER TABLE scheduler_health_audit RENAME TO broken_audit");
    assert.throws(() => health.handle({ kind: "drain", rule: "r", host: "h02", reason: "x", time: T0 }), /no such table/);
    assert.equal(health.status("h02").schedulable, true);
    assert.equal(health.hostData("h02")!["managed-events"].r, undefined);
    clock.advanceBy(10);
    assert.equal(health.status("h01").schedulable, false, "the expiry failed: the blacklist stays");
    db.exec("ALTER TABLE broken_audit RENAME TO scheduler_health_audit");
    clock.advanceBy(4);
    assert.equal(health.status("h01").schedulable, false, "backing off");
    clock.advanceBy(1);
    assert.equal(health.status("h01").schedulable, true);
  });

  it("loses nothing committed when the process is killed with SIGKILL", async () => {
    const file = join(tmp.dir, "killed.db");
    const child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(new URL("./testdata/crash-child.ts", import.meta.url)), file, String(T0)], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      out += chunk;
      if (out.includes("ready")) child.kill("SIGKILL");
    });
    const [code, signal] = (await once(child, "exit")) as [number | null, string | null];
    assert.equal(signal, "SIGKILL", `child exited with ${code}`);

    const clock = new VirtualClock(T0 + 100);
    const inventory = new TestInventory(fleet(50));
    const { health, db } = openHealth({ db: openDatabase(file), clock, inventory, options: { returnDampingSeconds: 0 } });
    assert.equal(health.status("h01").schedulable, false);
    assert.deepEqual(health.status("h02").draining, { deadline: T0 + 600 });
    assert.equal(health.hostData("h03")!["manual-flag"], "off");
    assert.equal(health.history(undefined).length, 3);
    clock.advanceTo(T0 + 3600);
    assert.equal(health.status("h01").schedulable, true, "the blacklist's TTL resumed");
    clock.advanceTo(T0 + 7200);
    assert.equal(health.status("h03").schedulable, true, "the manual event's TTL resumed");
    health.close();
    db.close();
  });
});
