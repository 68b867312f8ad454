/**
 * Tests of the whitelist model and its actions under a virtual clock: drain
 * deadlines, blacklist TTLs, flap damping on return, per-rule objections,
 * operators' manual events winning in both directions with their TTL, the
 * audit trail, and automation never undoing an operator's decision.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { HostIntent } from "../../rules/intents.ts";
import { openHealth, T0 } from "./test-support.ts";

function drain(host: string, rule = "all-checks-pass", reason = "failing checks: df", ttl?: number): HostIntent {
  return { kind: "drain", rule, host, reason, ttl, time: T0 };
}
function blacklist(host: string, ttl: number, rule = "task-black-hole", reason = "tasks fail"): HostIntent {
  return { kind: "blacklist", rule, host, reason, ttl, time: T0 };
}
function restore(host: string, rule = "all-checks-pass", reason = "all checks pass"): HostIntent {
  return { kind: "restore", rule, host, reason, time: T0 };
}

describe("host health: actions", () => {
  it("finds a registered host nobody objects to schedulable, and an unregistered one not", () => {
    const { health } = openHealth({ hosts: 10 });
    assert.deepEqual(health.status("h01"), { schedulable: true, reasons: [] });
    assert.deepEqual(health.status("nope"), { schedulable: false, reasons: ["not registered"] });
  });

  it("drain: no new tasks, running tasks get the drain deadline, listeners hear at once and at the deadline", () => {
    const { health, clock, changes } = openHealth({ options: { drainDeadlineSeconds: 120 } });
    health.handle(drain("h01"));
    const s = health.status("h01");
    assert.equal(s.schedulable, false);
    assert.deepEqual(s.draining, { deadline: T0 + 120 });
    assert.match(s.reasons[0]!, /drain by rule "all-checks-pass": failing checks: df/);
    assert.deepEqual(changes, ["h01"]);
    clock.advanceBy(119);
    assert.deepEqual(changes, ["h01"]);
    clock.advanceBy(1);
    assert.deepEqual(changes, ["h01", "h01"], "the deadline tells the scheduler to kill and requeue");
    assert.deepEqual(health.status("h01").draining, { deadline: T0 + 120 }, "the host stays drained after the deadline");
  });

  it("a drain sent again with a new reason keeps its first deadline", () => {
    const { health, clock } = openHealth();
    health.handle(drain("h01", "all-checks-pass", "failing checks: df"));
    clock.advanceBy(60);
    health.handle(drain("h01", "all-checks-pass", "failing checks: df, load"));
    assert.deepEqual(health.status("h01").draining, { deadline: T0 + 600 });
    assert.match(health.status("h01").reasons[0]!, /df, load/);
  });

  it("blacklist: no new tasks and no deadline until the TTL runs out, then the return damping", () => {
    const { health, clock } = openHealth({ options: { returnDampingSeconds: 300 } });
    health.handle(blacklist("h01", 3600));
    const s = health.status("h01");
    assert.equal(s.schedulable, false);
    assert.equal(s.draining, undefined);
    clock.advanceBy(3599);
    assert.equal(health.status("h01").schedulable, false);
    clock.advanceBy(1);
    assert.equal(health.status("h01").schedulable, false, "returning, not back yet");
    assert.match(health.status("h01").reasons[0]!, /returning/);
    clock.advanceBy(299);
    assert.equal(health.status("h01").schedulable, false);
    clock.advanceBy(1);
    assert.deepEqual(health.status("h01"), { schedulable: true, reasons: [] });
  });

  it("a drain with a TTL lifts itself; with damping 0 the host is back at once", () => {
    const { health, clock } = openHealth({ options: { returnDampingSeconds: 0 } });
    health.handle(drain("h01", "r", "x", 60));
    clock.advanceBy(60);
    assert.equal(health.status("h01").schedulable, true);
  });

  it("flap damping: a restored host returns only after the damping time, and a re-objection restarts it", () => {
    const { health, clock } = openHealth({ options: { returnDampingSeconds: 300 } });
    health.handle(drain("h01"));
    clock.advanceBy(10);
    health.handle(restore("h01"));
    assert.equal(health.status("h01").schedulable, false);
    clock.advanceBy(200);
    health.handle(drain("h01", "all-checks-pass", "failing again"));
    assert.deepEqual(health.status("h01").draining, { deadline: T0 + 210 + 600 }, "a new drain after a restore gets a new deadline");
    clock.advanceBy(50);
    health.handle(restore("h01"));
    clock.advanceBy(299);
    assert.equal(health.status("h01").schedulable, false, "damping started again from the second restore");
    clock.advanceBy(1);
    assert.equal(health.status("h01").schedulable, true);
    const actions = health.history("h01").map((e) => `${e.who} ${e.action}: ${e.from} → ${e.to}`).reverse();
    assert.deepEqual(actions, [
      "rule:all-checks-pass drain: in → draining",
      "rule:all-checks-pass restore: draining → returning",
      "rule:all-checks-pass drain: returning → draining",
      "rule:all-checks-pass restore: draining → returning",
      "system return: returning → in",
    ]);
  });

  it("one rule's restore lifts only its own objection", () => {
    const { health, clock } = openHealth({ options: { returnDampingSeconds: 0 } });
    health.handle(drain("h01", "all-checks-pass"));
    health.handle(drain("h01", "host-expired", "silent"));
    health.handle(restore("h01", "all-checks-pass"));
    assert.equal(health.status("h01").schedulable, false);
    assert.match(health.status("h01").reasons.join(" "), /host-expired/);
    assert.match(health.history("h01")[0]!.outcome, /still out: rule "host-expired"/);
    health.handle(restore("h01", "host-expired"));
    clock.runDue();
    assert.equal(health.status("h01").schedulable, true);
  });

  it("a restore for a host no rule objects to writes nothing", () => {
    const { health, changes } = openHealth();
    health.handle(restore("h01"));
    health.handle(restore("unknown"));
    assert.deepEqual(health.history(undefined), []);
    assert.deepEqual(changes, []);
    assert.equal(health.hostData("unknown"), undefined);
  });

  it("refuses malformed intents", () => {
    const { health } = openHealth();
    assert.throws(() => health.handle({ kind: "blacklist", rule: "r", host: "h01", reason: "x", time: T0 }), /needs a ttl/);
    assert.throws(() => health.handle(drain("*")), /must not be "\*"/);
    assert.throws(() => health.handle(drain("")), /non-empty/);
    assert.throws(() => health.handle({ kind: "drain", rule: "r", host: "h01", reason: "x", ttl: -1, time: T0 }), /ttl must be a positive number/);
  });
});

describe("host health: operators' manual events", () => {
  it("manual critical keeps a healthy host out; manual ok keeps a drained host in", () => {
    const { health } = openHealth();
    health.setManual("h01", "disk", { state: "critical", ttlSeconds: 3600, description: "disk swap" }, "operator:ann");
    assert.equal(health.status("h01").schedulable, false);
    assert.equal(health.status("h01").draining, undefined, "an operator's critical keeps new tasks away; it does not kill running ones");
    assert.match(health.status("h01").reasons[0]!, /operator critical \(event "disk" by operator:ann: disk swap/);
    health.handle(drain("h02"));
    health.setManual("h02", "fine", { state: "ok", ttlSeconds: 3600 }, "operator:bob");
    assert.deepEqual(health.status("h02"), { schedulable: true, reasons: [] });
    const data = health.hostData("h02")!;
    assert.equal(data["manual-flag"], "on");
    assert.equal(data["managed-flag"], "off");
    assert.equal(data["managed-events"]["all-checks-pass"]!.status, "overridden");
  });

  it("the latest manual event decides; deleting it lets the earlier one decide again", () => {
    const { health, clock } = openHealth();
    health.setManual("h01", "a", { state: "ok", ttlSeconds: 3600 }, "operator:ann");
    clock.advanceBy(1);
    health.setManual("h01", "b", { state: "critical", ttlSeconds: 3600 }, "operator:ann");
    assert.equal(health.hostData("h01")!["manual-flag"], "off");
    assert.equal(health.deleteManual("h01", "b", "operator:ann"), true);
    assert.equal(health.hostData("h01")!["manual-flag"], "on");
    assert.equal(health.deleteManual("h01", "b", "operator:ann"), false);
  });

  it("a manual event runs out after its TTL, and the host is back at once (no damping for operators)", () => {
    const { health, clock } = openHealth({ options: { returnDampingSeconds: 300 } });
    health.setManual("h01", "m", { state: "critical", ttlSeconds: 7200 }, "operator:ann");
    clock.advanceBy(7199);
    assert.equal(health.status("h01").schedulable, false);
    clock.advanceBy(1);
    assert.equal(health.status("h01").schedulable, true);
    const last = health.history("h01")[0]!;
    assert.equal(last.who, "system");
    assert.equal(last.action, "manual-expire");
    assert.equal(health.hostData("h01")!["manual-flag"], null);
  });

  it("a rule's drain never overrides an operator's ok: ignored, and applied (through the guards) when the ok ends", () => {
    const { health, clock } = openHealth({ options: { drainDeadlineSeconds: 600 } });
    health.setManual("h01", "keep", { state: "ok", ttlSeconds: 1000 }, "operator:ann");
    health.handle(drain("h01"));
    assert.equal(health.status("h01").schedulable, true);
    assert.equal(health.history("h01")[0]!.outcome, "ignored: operator decision");
    clock.advanceBy(1000);
    const s = health.status("h01");
    assert.equal(s.schedulable, false);
    assert.deepEqual(s.draining, { deadline: T0 + 1000 + 600 }, "the deadline starts when the drain takes effect");
    assert.match(health.history("h01")[0]!.outcome, /applied; the operator's ok ended/);
  });

  it("a rule's restore never overrides an operator's critical", () => {
    const { health } = openHealth({ options: { returnDampingSeconds: 0 } });
    health.handle(drain("h01"));
    health.setManual("h01", "hold", { state: "critical", ttlSeconds: 3600 }, "operator:ann");
    health.handle(restore("h01"));
    assert.equal(health.status("h01").schedulable, false);
    assert.match(health.history("h01")[0]!.outcome, /host stays out: operator decision/);
  });

  it("an operator's ok ends a return damping", () => {
    const { health } = openHealth({ options: { returnDampingSeconds: 300 } });
    health.handle(drain("h01"));
    health.handle(restore("h01"));
    assert.equal(health.status("h01").schedulable, false);
    health.setManual("h01", "ok", { state: "ok", ttlSeconds: 60 }, "operator:ann");
    assert.equal(health.status("h01").schedulable, true);
    assert.equal(health.hostData("h01")!["returning-at"], null);
  });

  it("deleting a host forgets its manual events and objections but keeps its history", () => {
    const { health } = openHealth();
    health.handle(drain("h01"));
    health.setManual("h01", "m", { state: "critical", ttlSeconds: 60 }, "operator:ann");
    assert.equal(health.deleteHost("h01", "operator:ann"), true);
    assert.deepEqual(health.status("h01"), { schedulable: true, reasons: [] });
    assert.equal(health.history("h01")[0]!.action, "host-delete");
    assert.equal(health.deleteHost("h01", "operator:ann"), false);
  });
});

describe("host health: audit trail", () => {
  it("records who, what, why, when and the state before and after, newest first", () => {
    const { health, clock } = openHealth({ options: { returnDampingSeconds: 0 } });
    health.handle(drain("h01", "all-checks-pass", "failing checks: df"));
    clock.advanceBy(30);
    health.setManual("h01", "look", { state: "critical", ttlSeconds: 600, description: "investigating" }, "operator:ann");
    clock.advanceBy(30);
    health.handle(restore("h01"));
    const entries = health.history("h01");
    assert.equal(entries.length, 3);
    const [restored, manual, drained] = entries;
    assert.deepEqual(
      { time: drained!.time, who: drained!.who, action: drained!.action, outcome: drained!.outcome, reason: drained!.reason, from: drained!.from, to: drained!.to },
      { time: T0, who: "rule:all-checks-pass", action: "drain", outcome: "applied", reason: "failing checks: df", from: "in", to: "draining" },
    );
    assert.equal(drained!.detail?.deadline, T0 + 600);
    assert.deepEqual([manual!.time, manual!.who, manual!.action, manual!.reason, manual!.from, manual!.to], [T0 + 30, "operator:ann", "manual-critical", "investigating", "draining", "out (operator)"]);
    assert.deepEqual([restored!.time, restored!.who, restored!.action, restored!.from, restored!.to], [T0 + 60, "rule:all-checks-pass", "restore", "out (operator)", "out (operator)"]);
    assert.deepEqual(health.history("h01", { limit: 1, before: restored!.id }).map((e) => e.id), [manual!.id]);
  });
});
