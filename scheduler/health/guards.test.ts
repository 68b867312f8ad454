/**
 * Tests of the guards in front of automated removals: the fraction cap with
 * the "remediation guard engaged" page (once) and its resolve, the sliding
 * rate window, the empty and the small inventory, unregistered hosts, held
 * actions retried when room frees or dropped on restore, and operators'
 * actions passing unguarded.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { HostIntent, PageIntent, ResolveIntent } from "../../rules/intents.ts";
import { GUARD_KEY, GUARD_RULE } from "./host-health.ts";
import { fleet, openHealth, T0 } from "./test-support.ts";

function drain(host: string, rule = "all-checks-pass"): HostIntent {
  return { kind: "drain", rule, host, reason: "failing checks: df", time: T0 };
}
function restore(host: string, rule = "all-checks-pass"): HostIntent {
  return { kind: "restore", rule, host, reason: "all checks pass", time: T0 };
}
/** Only the fraction guard: no rate limit to speak of. */
const FRACTION_ONLY = { maxRemovalsPerWindow: 1000, returnDampingSeconds: 0 };

describe("guards: fraction of registered hosts", () => {
  it("10 of 50 hosts want a drain: 5 are drained, 5 held, one page; the page resolves when no held action remains", () => {
    const { health, clock, intents } = openHealth({ hosts: 50, options: FRACTION_ONLY });
    const wanted = fleet(10);
    for (const h of wanted) health.handle(drain(h));
    const out = wanted.filter((h) => !health.status(h).schedulable);
    assert.deepEqual(out, fleet(5));
    const held = health.guardState().held;
    assert.deepEqual(held.map((a) => a.host), ["h06", "h07", "h08", "h09", "h10"]);
    assert.match(health.history("h06")[0]!.outcome, /^held by guard: at most 5 of 50 registered hosts \(10%\) may be out by automation; 5 are$/);
    assert.equal(health.hostData("h06")!["managed-events"]["all-checks-pass"]!.status, "held");

    clock.runDue();
    assert.equal(intents.length, 1, "one page for the whole burst");
    const page = intents[0] as PageIntent;
    assert.equal(page.kind, "page");
    assert.equal(page.rule, GUARD_RULE);
    assert.equal(page.key, GUARD_KEY);
    assert.equal(page.severity, "error", "the fleet-wide problem behind it pages critical; the guard itself is an error");
    assert.match(page.summary, /remediation guard engaged: rule "all-checks-pass" wanted 10 hosts out, 5 held back \(at most 5 of 50 registered hosts \(10%\)/);

    health.handle(drain("h11"));
    clock.advanceBy(60);
    assert.equal(intents.length, 1, "still engaged: no second page");

    for (const h of ["h06", "h07", "h08", "h09", "h10", "h11"]) health.handle(restore(h));
    assert.match(health.history("h06")[0]!.outcome, /dropped the held drain/);
    clock.runDue();
    assert.equal(intents.length, 2);
    const resolve = intents[1] as ResolveIntent;
    assert.deepEqual([resolve.kind, resolve.rule, resolve.key], ["resolve", GUARD_RULE, GUARD_KEY]);
    assert.equal(health.guardState().engaged, false);
    assert.deepEqual(health.history("*").map((e) => `${e.action}: ${e.outcome}`), ["guard-disengaged: resolved", "guard-engaged: paged"], "the fleet's notes record the guard");
  });

  it("held actions are applied, oldest first, when room frees", () => {
    const { health, clock, intents } = openHealth({ hosts: 50, options: FRACTION_ONLY });
    for (const h of fleet(7)) health.handle(drain(h));
    assert.deepEqual(health.guardState().held.map((a) => a.host), ["h06", "h07"]);
    health.handle(restore("h01"));
    clock.runDue();
    assert.equal(health.status("h06").schedulable, false, "h06 took h01's place");
    assert.equal(health.status("h07").schedulable, true, "h07 still held");
    assert.match(health.history("h06")[0]!.outcome, /^applied; retried/);
    assert.equal(health.history("h06")[0]!.who, "rule:all-checks-pass");
    health.handle(restore("h02"));
    clock.runDue();
    assert.equal(health.status("h07").schedulable, false);
    assert.equal(health.guardState().held.length, 0);
    assert.deepEqual(intents.map((i) => i.kind), ["page", "resolve"]);
  });

  it("return damping keeps counting a host as out until it is back", () => {
    const { health, clock } = openHealth({ hosts: 50, options: { maxRemovalsPerWindow: 1000, returnDampingSeconds: 300 } });
    for (const h of fleet(6)) health.handle(drain(h));
    health.handle(restore("h01"));
    clock.advanceBy(299);
    assert.equal(health.status("h06").schedulable, true, "h01 is still returning: no room yet");
    clock.advanceBy(1);
    assert.equal(health.status("h01").schedulable, true);
    assert.equal(health.status("h06").schedulable, false);
  });

  it("a host already out by automation takes another rule's objection without needing room", () => {
    const { health } = openHealth({ hosts: 50, options: FRACTION_ONLY });
    for (const h of fleet(5)) health.handle(drain(h));
    health.handle({ kind: "blacklist", rule: "task-black-hole", host: "h01", reason: "tasks fail", ttl: 600, time: T0 });
    assert.equal(health.hostData("h01")!["managed-events"]["task-black-hole"]!.status, "applied");
    assert.equal(health.guardState().held.length, 0);
  });

  it("operators' actions are never guarded and do not use automation's room", () => {
    const { health } = openHealth({ hosts: 50, options: FRACTION_ONLY });
    for (const h of fleet(20)) health.setManual(h, "m", { state: "critical", ttlSeconds: 3600 }, "operator:ann");
    assert.equal(fleet(20).filter((h) => !health.status(h).schedulable).length, 20);
    for (const h of fleet(30).slice(20)) health.handle(drain(h));
    assert.equal(health.guardState().outByAutomation, 5);
    assert.equal(health.guardState().held.length, 5);
  });

  it("a held blacklist whose TTL runs out while held is dropped", () => {
    const { health, clock } = openHealth({ hosts: 50, options: FRACTION_ONLY });
    for (const h of fleet(5)) health.handle(drain(h));
    health.handle({ kind: "blacklist", rule: "task-black-hole", host: "h06", reason: "tasks fail", ttl: 120, time: T0 });
    assert.equal(health.guardState().held.length, 1);
    clock.advanceBy(120);
    assert.equal(health.guardState().held.length, 0);
    assert.equal(health.status("h06").schedulable, true);
    assert.match(health.history("h06")[0]!.outcome, /dropped the held blacklist/);
  });
});

describe("guards: objections an operator set aside", () => {
  it("pass the guards again, one by one, when the operator's ok ends", () => {
    const { health, clock } = openHealth({ hosts: 50, options: FRACTION_ONLY });
    for (const h of fleet(5)) health.handle(drain(h));
    health.setManual("h06", "ok", { state: "ok", ttlSeconds: 100 }, "operator:ann");
    health.handle(drain("h06", "all-checks-pass"));
    health.handle(drain("h06", "host-expired"));
    clock.advanceBy(100);
    const events = health.hostData("h06")!["managed-events"];
    assert.deepEqual([events["all-checks-pass"]!.status, events["host-expired"]!.status], ["held", "held"], "the cap is full: neither applies");
    assert.equal(health.status("h06").schedulable, true);
  });
});

describe("guards: rate window", () => {
  it("takes at most N hosts out per sliding window; the rest follow as the window slides", () => {
    const { health, clock, intents } = openHealth({ hosts: 100, options: { maxOutFraction: 1, maxRemovalsPerWindow: 5, removalWindowSeconds: 600 } });
    for (const h of fleet(3)) health.handle(drain(h));
    clock.advanceBy(100);
    for (const h of fleet(8).slice(3)) health.handle(drain(h));
    assert.deepEqual(fleet(8).filter((h) => !health.status(h).schedulable), fleet(5));
    assert.match(health.history("h06")[0]!.outcome, /^held by guard: at most 5 hosts may be taken out by automation per 600 s; 5 were$/);
    clock.runDue();
    assert.deepEqual(intents.map((i) => i.kind), ["page"]);
    clock.advanceBy(499);
    assert.equal(health.status("h06").schedulable, true, "the first removals are still in the window");
    clock.advanceBy(1);
    assert.deepEqual(fleet(8).filter((h) => !health.status(h).schedulable), fleet(8), "three removals left the window: the three held hosts follow");
    assert.deepEqual(intents.map((i) => i.kind), ["page", "resolve"]);
  });
});

describe("guards: inventory", () => {
  it("with an empty inventory automation takes nothing out, and pages", () => {
    const { health, clock, intents, inventory } = openHealth({ hosts: 0 });
    health.handle(drain("h01"));
    assert.equal(health.guardState().held.length, 1);
    assert.equal(health.guardState().outByAutomation, 0);
    assert.match(health.history("h01")[0]!.outcome, /held: host not registered/);
    inventory.hosts.add("h01");
    health.reconcile();
    clock.runDue();
    assert.match(health.history("h01")[0]!.outcome, /^held by guard: the inventory has 1 registered host; automation needs at least 3/);
    assert.equal(health.status("h01").schedulable, true, "registered, but the drain is held");
    assert.deepEqual(intents.map((i) => i.kind), ["page"]);
  });

  it("below the inventory minimum nothing is taken out; when the inventory grows the held drain applies", () => {
    const { health, clock, inventory } = openHealth({ hosts: 2, options: { maxOutFraction: 1 } });
    health.handle(drain("h01"));
    assert.equal(health.status("h01").schedulable, true);
    inventory.hosts.add("h03");
    clock.advanceBy(60);
    assert.equal(health.status("h01").schedulable, false, "retried every heldRetrySeconds, even without reconcile()");
  });

  it("a drain for an unregistered host is held without paging, and applies when the host registers", () => {
    const { health, clock, intents, inventory } = openHealth({ hosts: 50 });
    health.handle(drain("new1"));
    clock.runDue();
    assert.deepEqual(intents, []);
    assert.equal(health.guardState().engaged, false);
    assert.equal(health.guardState().held[0]?.heldKind, "unregistered");
    inventory.hosts.add("new1");
    health.reconcile();
    clock.runDue();
    assert.equal(health.status("new1").schedulable, false);
    assert.deepEqual(health.status("new1").draining, { deadline: T0 + 600 });
  });

  it("a drained host that leaves the inventory and comes back is still drained", () => {
    const { health, inventory } = openHealth({ hosts: 50 });
    health.handle(drain("h01"));
    inventory.hosts.delete("h01");
    health.handle(drain("h01"));
    inventory.hosts.add("h01");
    assert.equal(health.status("h01").schedulable, false);
    assert.equal(health.hostData("h01")!["managed-events"]["all-checks-pass"]!.status, "applied");
  });

  it("the fraction counts registered hosts only: hosts that left the inventory do not make room", () => {
    const { health, inventory } = openHealth({ hosts: 50, options: FRACTION_ONLY });
    for (const h of fleet(5)) health.handle(drain(h));
    for (const h of fleet(50).slice(30)) inventory.hosts.delete(h);
    health.handle(drain("h06"));
    assert.equal(health.status("h06").schedulable, true, "30 registered: cap 3, already 5 out");
  });
});

describe("guards: state survives a restart", () => {
  it("an open guard page is not sent again, and is resolved once nothing is held", () => {
    const first = openHealth({ hosts: 50, options: FRACTION_ONLY });
    for (const h of fleet(6)) first.health.handle(drain(h));
    first.clock.runDue();
    assert.equal(first.intents.length, 1);
    first.health.close();
    const second = openHealth({ db: first.db, clock: first.clock, inventory: first.inventory, options: FRACTION_ONLY });
    second.clock.runDue();
    assert.equal(second.intents.length, 0, "the page is still open: no new page");
    second.health.handle(restore("h06"));
    second.clock.runDue();
    assert.deepEqual(second.intents.map((i) => i.kind), ["resolve"]);
  });
});
