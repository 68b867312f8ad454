/**
 * Restart tests on real SQLite files: a process that stops (closed or simply
 * abandoned, as a crash leaves it) and a new `Alerting` on the same file
 * resume without a second trigger, with pending, hysteresis, re-notify and
 * group timers recomputed from the stored timestamps, and silences kept.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { openDatabase, type Db } from "../store/database.ts";
import { VirtualClock } from "../streams/clock.ts";
import { page, resolve, rig, RecordingNotifier, T0, type Rig } from "./test-support.ts";

const dir = mkdtempSync(join(tmpdir(), "satellite-alerting-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

/** A rig on a fresh database file, and a way to "restart" it: a new process view of the same file at the same time. */
function fileRig(options?: unknown): { first: Rig; restart: (how: "close" | "crash") => Rig } {
  const path = join(dir, `alerting-${++files}.db`);
  const dbs: Db[] = [];
  const open = () => {
    const db = openDatabase(path);
    dbs.push(db);
    return db;
  };
  const first = rig(options, { db: open() });
  after(() => dbs.forEach((d) => d.open && d.close()));
  let current = first;
  return {
    first,
    restart(how) {
      if (how === "close") {
        current.alerting.close();
        current.db.close();
      }
      // A crash: the old instance's timers and memory are simply gone; the new process has a new clock reading the same time.
      const next = rig(options, { db: open(), clock: new VirtualClock(current.clock.now()), notifier: new RecordingNotifier() });
      current = next;
      return next;
    },
  };
}

describe("restart", () => {
  for (const how of ["close", "crash"] as const) {
    it(`a firing alert is not triggered again after a ${how}, and its resolve still goes out`, () => {
      const { first, restart } = fileRig({ resolveAfterSeconds: 0, renotifySeconds: 0 });
      first.alerting.handle(page(first.clock, "h1"));
      assert.equal(first.notifier.triggers, 1);
      first.clock.advanceBy(30);
      const second = restart(how);
      second.clock.advanceBy(1);
      second.alerting.handle(page(second.clock, "h1")); // the rule pages again after its own restart
      second.clock.advanceBy(600);
      assert.equal(second.notifier.triggers, 0);
      second.alerting.handle(resolve(second.clock, "h1"));
      assert.deepEqual(second.notifier.sent, [{ action: "resolve", dedupKey: "disk/full:h1", routing: "default" }]);
      const alert = second.alerting.listAlerts()[0]!;
      assert.equal(alert.episode, 1);
      assert.deepEqual(
        second.alerting.alertHistory(alert.id)!.map((h) => `${h.kind}${h.action === null ? "" : ` ${h.action}`}`),
        ["firing", "notification trigger", "resolved", "notification resolve"],
      );
    });
  }

  it("a pending alert's minimum duration resumes from the stored start, not from the restart", () => {
    const { first, restart } = fileRig();
    first.alerting.handle(page(first.clock, "h1", { alerting: { forSeconds: 60 } }));
    first.clock.advanceBy(30);
    const second = restart("crash");
    second.clock.advanceBy(29);
    assert.equal(second.notifier.triggers, 0);
    second.clock.advanceBy(1);
    assert.equal(second.notifier.triggers, 1);
    assert.equal(second.alerting.listAlerts()[0]?.firingSince, new Date((T0 + 60) * 1000).toISOString());
  });

  it("a deadline that passed while the process was down fires on the first tick after the start", () => {
    const { first, restart } = fileRig({ resolveAfterSeconds: 120 });
    first.alerting.handle(page(first.clock, "h1", { alerting: { forSeconds: 60 } }));
    first.alerting.handle(page(first.clock, "h2"));
    first.alerting.handle(resolve(first.clock, "h2"));
    first.clock.advanceBy(10);
    const down = restart("close");
    down.alerting.close();
    down.db.close();
    const later = rig({ resolveAfterSeconds: 120 }, { db: openDatabase(join(dir, `alerting-${files}.db`)), clock: new VirtualClock(T0 + 3600) });
    assert.equal(later.notifier.sent.length, 0, "nothing is sent from the constructor");
    later.clock.runDue();
    assert.deepEqual(later.notifier.sent.map((n) => `${n.action} ${n.dedupKey}`), ["trigger disk/full:h1", "resolve disk/full:h2"]);
    later.alerting.close();
    later.db.close();
  });

  it("the resolve hysteresis and the re-notify interval resume from stored timestamps", () => {
    const { first, restart } = fileRig({ resolveAfterSeconds: 120, renotifySeconds: 1000 });
    first.alerting.handle(page(first.clock, "h1"));
    first.alerting.handle(page(first.clock, "h2"));
    first.clock.advanceBy(10);
    first.alerting.handle(resolve(first.clock, "h2"));
    first.clock.advanceBy(40);
    const second = restart("crash");
    second.clock.advanceBy(79);
    assert.equal(second.notifier.resolves, 0);
    second.clock.advanceBy(1);
    assert.deepEqual(second.notifier.sent, [{ action: "resolve", dedupKey: "disk/full:h2", routing: "default" }]);
    second.clock.advanceBy(1000 - 130 - 1);
    assert.equal(second.notifier.triggers, 0);
    second.clock.advanceBy(1);
    assert.equal(second.notifier.triggers, 1, "h1 re-notified 1000 s after its first trigger");
  });

  it("a group stays open across a restart: a host joining updates it, the last resolve closes it", () => {
    const opts = { groupWaitSeconds: 10, groupIntervalSeconds: 60, resolveAfterSeconds: 0, renotifySeconds: 0 };
    const grouped = { groupBy: "rule" as const };
    const { first, restart } = fileRig(opts);
    for (const h of ["h1", "h2", "h3"]) first.alerting.handle(page(first.clock, h, { rule: "x/y", alerting: grouped }));
    first.clock.advanceBy(10);
    assert.equal(first.notifier.triggers, 1);
    first.alerting.handle(page(first.clock, "h4", { rule: "x/y", alerting: grouped }));
    const second = restart("crash"); // the update for h4 was still waiting
    second.clock.advanceBy(59);
    assert.equal(second.notifier.triggers, 0);
    second.clock.advanceBy(1);
    assert.equal(second.notifier.triggers, 1);
    assert.deepEqual(second.notifier.sent[0]!.payload?.custom_details?.hosts, ["h1", "h2", "h3", "h4"]);
    for (const h of ["h1", "h2", "h3", "h4"]) second.alerting.handle(resolve(second.clock, h, "x/y"));
    assert.deepEqual(second.notifier.sent.slice(1), [{ action: "resolve", dedupKey: "x/y", routing: "default" }]);
  });

  it("silences and maintenance survive a restart and still end on time", () => {
    const { first, restart } = fileRig();
    first.alerting.createSilence({ matchers: [{ name: "host", value: "h1" }], durationSeconds: 600, createdBy: "alice", comment: "c" });
    first.alerting.startMaintenance({ host: "h2", durationSeconds: 900, createdBy: "bob", reason: "r" });
    first.alerting.handle(page(first.clock, "h1"));
    const second = restart("close");
    second.alerting.handle(page(second.clock, "h2"));
    assert.equal(second.notifier.triggers, 0);
    second.clock.advanceBy(600);
    assert.deepEqual(second.notifier.sent.map((n) => n.dedupKey), ["disk/full:h1"]);
    second.clock.advanceBy(300);
    assert.deepEqual(second.notifier.sent.map((n) => n.dedupKey), ["disk/full:h1", "disk/full:h2"]);
  });

  it("keeps the latest summary of a repeated page when closed cleanly", () => {
    const { first, restart } = fileRig();
    first.alerting.handle(page(first.clock, "h1", { summary: "90%" }));
    first.alerting.handle(page(first.clock, "h1", { summary: "99%" }));
    const second = restart("close");
    assert.equal(second.alerting.listAlerts()[0]?.summary, "99%");
  });
});
