/**
 * Tests of `MuteWindows`, the storage of silences and maintenance windows:
 * one implementation for both kinds — created live, ended early (a pending
 * one starts and ends at once) or by the clock, listed by state newest
 * first, read back from the table after a restart, and the next boundary a
 * timer must wake up for. What a window mutes is tested in silences.test.ts.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { migrate, openDatabase } from "../store/database.ts";
import { MAINTENANCE, MuteWindows, SILENCES, windowState } from "./mute-windows.ts";
import { ALERTING_MIGRATIONS } from "./schema.ts";

const T = 1_700_000_000;

function db() {
  const d = openDatabase(":memory:");
  migrate(d, "alerting", ALERTING_MIGRATIONS);
  return d;
}

describe("MuteWindows", () => {
  it("keeps maintenance windows: create, end early, end by the clock, list by state, next boundary", () => {
    const store = db();
    const windows = new MuteWindows(store, MAINTENANCE);
    const a = windows.create({ host: "h1", startsAt: T, endsAt: T + 100, createdBy: "bob", reason: "BIOS" }, T);
    const b = windows.create({ host: "h2", startsAt: T + 50, endsAt: T + 200, createdBy: "bob", reason: "disk" }, T);
    assert.deepEqual([...windows.live.keys()], [a.id, b.id]);
    assert.deepEqual([...windows.activeAt(T + 10)].map((w) => w.host), ["h1"]);
    assert.equal(windows.nextBoundary(T + 10), T + 50, "b starts next");
    assert.equal(windows.nextBoundary(T + 60), T + 100, "then a ends");

    const ended = windows.endEarly(b.id, T + 20)!; // pending: starts and ends now
    assert.equal(ended.startsAt, T + 20);
    assert.equal(ended.endsAt, T + 20);
    assert.equal(windows.endEarly(b.id, T + 30), undefined, "not live any more");
    assert.deepEqual(windows.endDue(T + 99), []);
    assert.deepEqual(windows.endDue(T + 100).map((w) => w.id), [a.id]);
    assert.equal(windows.live.size, 0);
    assert.equal(windows.nextBoundary(T + 100), undefined);

    assert.deepEqual(windows.list(T + 100, ["pending", "active"], 10), []);
    assert.deepEqual(windows.list(T + 100, ["expired"], 10).map((w) => w.id), [b.id, a.id], "newest first");
    assert.deepEqual(windows.list(T + 100, ["expired"], 10, (w) => w.host === "h1").map((w) => w.id), [a.id]);
    assert.deepEqual(windows.view(windows.get(a.id)!, T + 100), {
      id: a.id,
      host: "h1",
      reason: "BIOS",
      startsAt: new Date(T * 1000).toISOString(),
      endsAt: new Date((T + 100) * 1000).toISOString(),
      createdBy: "bob",
      createdAt: new Date(T * 1000).toISOString(),
      updatedAt: new Date((T + 100) * 1000).toISOString(),
      state: "expired",
    });
    const reread = new MuteWindows(store, MAINTENANCE);
    reread.load();
    assert.equal(reread.live.size, 0, "ended windows stay ended when read back");
  });

  it("keeps silences with their compiled matchers, read back after a restart", () => {
    const store = db();
    const first = new MuteWindows(store, SILENCES);
    const s = first.create({ matchers: [{ name: "host", value: "web.*", isRegex: true, isEqual: true }], startsAt: T, endsAt: T + 60, createdBy: "alice", comment: "deploy" }, T);
    assert.equal(s.test({ host: "web7" }), true);
    assert.equal(s.test({ host: "db1" }), false);
    const again = new MuteWindows(store, SILENCES);
    again.load();
    const loaded = again.live.get(s.id)!;
    assert.deepEqual(loaded.matchers, s.matchers);
    assert.equal(loaded.test({ host: "web1" }), true);
    assert.equal(again.view(loaded, T + 1).state, "active");
    assert.equal(again.get(12345), undefined);
  });

  it("windowState: pending before the start, active until the end, expired after it or once ended", () => {
    assert.equal(windowState(100, 200, false, 50), "pending");
    assert.equal(windowState(100, 200, false, 100), "active");
    assert.equal(windowState(100, 200, false, 200), "expired");
    assert.equal(windowState(100, 200, true, 150), "expired");
  });
});
