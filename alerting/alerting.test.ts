/**
 * Tests of the alert lifecycle under a virtual clock with a recording
 * notifier: dedup, flapping, minimum duration, resolve hysteresis,
 * re-notification, grouping and the notifications' shape and size.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MAX_DEDUP_KEY_LENGTH, MAX_NOTIFICATION_BYTES, bytesOf } from "./payload.ts";
import { page, resolve, rig, T0 } from "./test-support.ts";

describe("alert lifecycle", () => {
  it("pages once for repeated pages of a firing alert, with a deterministic dedup key, and resolves with the same key and routing", () => {
    const { alerting, clock, notifier } = rig({ resolveAfterSeconds: 0 });
    for (let i = 0; i < 5; i++) {
      alerting.handle(page(clock, "h1", { summary: `h1: disk ${90 + i}% full` }));
      clock.advanceBy(10);
    }
    assert.equal(notifier.triggers, 1);
    const trigger = notifier.sent[0]!;
    assert.equal(trigger.dedupKey, "disk/full:h1");
    assert.equal(trigger.routing, "default");
    assert.equal(trigger.payload?.source, "h1");
    assert.equal(trigger.payload?.severity, "error");
    assert.equal(trigger.payload?.component, "disk /");
    assert.equal(trigger.payload?.class, "disk/full");
    assert.equal(trigger.payload?.timestamp, new Date(T0 * 1000).toISOString());
    alerting.handle(resolve(clock, "h1"));
    assert.deepEqual(notifier.sent[1], { action: "resolve", dedupKey: "disk/full:h1", routing: "default" });
    const [alert] = alerting.listAlerts();
    assert.equal(alert?.state, "resolved");
    assert.equal(alert?.summary, "h1: disk 94% full", "the latest page's words are kept");
  });

  it("a signal flipping 10 times in 5 minutes pages once and resolves once", () => {
    const { alerting, clock, notifier } = rig(); // defaults: resolveAfterSeconds 120
    for (let flip = 0; flip < 10; flip++) {
      alerting.handle(page(clock, "h1"));
      clock.advanceBy(15);
      alerting.handle(resolve(clock, "h1"));
      clock.advanceBy(15);
    }
    assert.equal(notifier.triggers, 1);
    assert.equal(notifier.resolves, 0, "still inside the resolve hysteresis");
    assert.equal(alerting.listAlerts()[0]?.flaps, 9);
    clock.advanceBy(120);
    assert.equal(notifier.triggers, 1);
    assert.equal(notifier.resolves, 1);
  });

  it("waits forSeconds before paging, and a resolve before then pages nobody", () => {
    const { alerting, clock, notifier } = rig();
    const policy = { forSeconds: 60, resolveAfterSeconds: 0 };
    alerting.handle(page(clock, "h1", { alerting: policy }));
    clock.advanceBy(30);
    alerting.handle(page(clock, "h1", { alerting: policy }));
    assert.equal(alerting.listAlerts()[0]?.state, "pending");
    clock.advanceBy(29.9);
    assert.equal(notifier.triggers, 0);
    clock.advanceBy(0.1);
    assert.equal(notifier.triggers, 1, "paged at exactly forSeconds after the first page");
    assert.equal(alerting.listAlerts()[0]?.firingSince, new Date((T0 + 60) * 1000).toISOString());

    alerting.handle(page(clock, "h2", { alerting: policy }));
    clock.advanceBy(59);
    alerting.handle(resolve(clock, "h2"));
    clock.advanceBy(600);
    assert.equal(notifier.triggers, 1, "h2 resolved while pending: no page");
    assert.equal(notifier.resolves, 0, "and no resolve for a page never sent");
    const h2 = alerting.listAlerts({ host: "h2" })[0]!;
    assert.equal(h2.state, "resolved");
    const resolved = alerting.alertHistory(h2.id)!.find((h) => h.kind === "resolved");
    assert.equal(resolved?.detail?.paged, false);
  });

  it("resolves only after the rule kept resolving resolveAfterSeconds; a page inside the window keeps it firing without a new page", () => {
    const { alerting, clock, notifier } = rig();
    const policy = { resolveAfterSeconds: 120 };
    alerting.handle(page(clock, "h1", { alerting: policy }));
    clock.advanceBy(10);
    alerting.handle(resolve(clock, "h1"));
    clock.advanceBy(60);
    assert.equal(alerting.listAlerts()[0]?.resolving, true);
    alerting.handle(page(clock, "h1", { alerting: policy })); // back within the window
    const again = alerting.listAlerts()[0]!;
    assert.equal(again.state, "firing");
    assert.equal(again.resolving, false);
    assert.equal(again.flaps, 1);
    clock.advanceBy(100);
    alerting.handle(resolve(clock, "h1"));
    const resolvingAt = clock.now();
    alerting.handle(resolve(clock, "h1")); // a repeated resolve does not restart the window
    clock.advanceBy(119);
    assert.equal(notifier.resolves, 0);
    clock.advanceBy(1);
    assert.equal(notifier.resolves, 1);
    assert.equal(notifier.triggers, 1);
    assert.equal(alerting.listAlerts()[0]?.resolvedAt, new Date((resolvingAt + 120) * 1000).toISOString());
  });

  it("re-sends the trigger every renotifySeconds while firing, and stops once resolved", () => {
    const { alerting, clock, notifier } = rig({ resolveAfterSeconds: 0 });
    alerting.handle(page(clock, "h1", { alerting: { renotifySeconds: 3600 } }));
    clock.advanceBy(3599);
    assert.equal(notifier.triggers, 1);
    clock.advanceBy(1);
    assert.equal(notifier.triggers, 2);
    assert.equal(notifier.sent[1]!.dedupKey, notifier.sent[0]!.dedupKey);
    clock.advanceBy(3600);
    assert.equal(notifier.triggers, 3);
    alerting.handle(resolve(clock, "h1"));
    clock.advanceBy(10 * 3600);
    assert.equal(notifier.triggers, 3);
    assert.equal(notifier.resolves, 1);
    const kinds = alerting.history({ kinds: ["notification"] }).map((h) => `${h.action}:${String(h.detail?.reason)}`);
    assert.deepEqual(kinds, ["trigger:firing", "trigger:renotify", "trigger:renotify", "resolve:resolved"]);
  });

  it("does not re-notify while the resolve hysteresis runs", () => {
    const { alerting, clock, notifier } = rig({ resolveAfterSeconds: 300, renotifySeconds: 100 });
    alerting.handle(page(clock, "h1"));
    clock.advanceBy(50);
    alerting.handle(resolve(clock, "h1"));
    clock.advanceBy(300);
    assert.deepEqual(notifier.sent.map((n) => n.action), ["trigger", "resolve"]);
  });

  it("renotifySeconds 0 never re-sends", () => {
    const { alerting, clock, notifier } = rig({ renotifySeconds: 0 });
    alerting.handle(page(clock, "h1"));
    clock.advanceBy(30 * 24 * 3600);
    assert.equal(notifier.triggers, 1);
    assert.equal(clock.pending, 0, "no timer left running");
  });

  it("a resolved alert paged again opens a new episode with a new trigger on the same dedup key", () => {
    const { alerting, clock, notifier } = rig({ resolveAfterSeconds: 0 });
    alerting.handle(page(clock, "h1"));
    alerting.handle(resolve(clock, "h1"));
    clock.advanceBy(600);
    alerting.handle(page(clock, "h1"));
    assert.deepEqual(notifier.sent.map((n) => n.action), ["trigger", "resolve", "trigger"]);
    const [alert] = alerting.listAlerts();
    assert.equal(alert?.episode, 2);
    assert.equal(alerting.listAlerts().length, 1, "one row per identity");
  });

  it("uses the rule's routing name on the trigger and on its resolve", () => {
    const { alerting, clock, notifier } = rig({ resolveAfterSeconds: 0 });
    alerting.handle(page(clock, "h1", { alerting: { routing: "storage-team" } }));
    alerting.handle(resolve(clock, "h1"));
    assert.deepEqual(notifier.sent.map((n) => n.routing), ["storage-team", "storage-team"]);
  });

  it("ignores a resolve of an unknown alert and intents that are not page/resolve", () => {
    const { alerting, clock, notifier } = rig();
    alerting.handle(resolve(clock, "nobody"));
    alerting.handle({ kind: "drain", rule: "x", host: "h1", reason: "r", time: clock.now() });
    assert.equal(notifier.sent.length, 0);
    assert.deepEqual(alerting.listAlerts(), []);
  });

  it("hashes an identity longer than 255 characters into a stable dedup key", () => {
    const { alerting, clock, notifier } = rig();
    const host = "h".repeat(400);
    alerting.handle(page(clock, host));
    alerting.handle(page(clock, host + "x"));
    const [a, b] = notifier.sent;
    assert.ok(a!.dedupKey.length <= MAX_DEDUP_KEY_LENGTH && b!.dedupKey.length <= MAX_DEDUP_KEY_LENGTH);
    assert.notEqual(a!.dedupKey, b!.dedupKey);
    const again = rig();
    again.alerting.handle(page(again.clock, host));
    assert.equal(again.notifier.sent[0]!.dedupKey, a!.dedupKey, "same identity, same key, in another process");
  });

  it("keeps a page with huge evidence under PagerDuty's 512 KB", () => {
    const { alerting, clock, notifier } = rig({ evidenceLimit: 5 });
    const big = "x".repeat(200_000);
    alerting.handle(page(clock, "h1", { attributes: { blob: big } }));
    const n = notifier.sent[0]!;
    assert.ok(bytesOf(n) <= MAX_NOTIFICATION_BYTES, `${bytesOf(n)} bytes`);
    assert.equal(n.payload?.summary, "h1: disk full");
  });

  it("links the page back to the alert when a web URL is set", () => {
    const { alerting, clock, notifier } = rig(undefined, { webUrl: "http://sat.example:5001/" });
    alerting.handle(page(clock, "h1"));
    const id = alerting.listAlerts()[0]!.id;
    assert.deepEqual(notifier.sent[0]!.links, [{ href: `http://sat.example:5001/api/v1/alerts/${id}?include=history`, text: "Satellite alert and its history" }]);
  });

  it("records notification attempts against the alert they belong to", () => {
    const { alerting, clock, notifier } = rig({ resolveAfterSeconds: 0 });
    alerting.handle(page(clock, "h1"));
    const dedupKey = notifier.sent[0]!.dedupKey;
    alerting.recordAttempt({ dedupKey, action: "trigger", attempt: 1, time: clock.now() + 1, outcome: "retrying", status: 503 });
    alerting.recordAttempt({ dedupKey, action: "trigger", attempt: 2, time: clock.now() + 3, outcome: "delivered", status: 202 });
    alerting.handle(resolve(clock, "h1"));
    alerting.recordAttempt({ dedupKey, action: "resolve", attempt: 1, time: clock.now() + 4, outcome: "gave-up", error: "ECONNREFUSED" });
    const id = alerting.listAlerts()[0]!.id;
    const attempts = alerting.alertHistory(id)!.filter((h) => h.kind === "attempt");
    assert.deepEqual(
      attempts.map((h) => [h.action, h.outcome, h.detail]),
      [
        ["trigger", "retrying", { attempt: 1, status: 503 }],
        ["trigger", "delivered", { attempt: 2, status: 202 }],
        ["resolve", "gave-up", { attempt: 1, error: "ECONNREFUSED" }],
      ],
    );
  });

  it("lets an operator resolve an alert, sending its resolve", () => {
    const { alerting, clock, notifier } = rig();
    alerting.handle(page(clock, "h1"));
    const id = alerting.listAlerts()[0]!.id;
    const view = alerting.resolveAlert(id, { by: "alice", comment: "host decommissioned" });
    assert.equal(view?.state, "resolved");
    assert.equal(notifier.resolves, 1);
    assert.equal(alerting.resolveAlert(id, { by: "alice" }), undefined, "already resolved");
    const resolved = alerting.alertHistory(id)!.find((h) => h.kind === "resolved");
    assert.equal(resolved?.detail?.by, "alice");
  });

  it("validates its settings naming the field", () => {
    assert.throws(() => rig({ renotifySeconds: "x" }), /alerting\.renotifySeconds must be a number of seconds >= 0, got "x"/);
    assert.throws(() => rig({ groupBy: "host" }), /alerting\.groupBy must be "rule" or "none", got "host"/);
    assert.throws(() => rig({ resolveAfter: 5 }), /alerting\.resolveAfter is not a known setting/);
  });
});

describe("grouping", () => {
  const grouped = { groupBy: "rule" as const, resolveAfterSeconds: 0 };

  it("1,000 hosts going bad at once page once, listing the hosts with a bounded payload", () => {
    const { alerting, clock, notifier } = rig({ groupWaitSeconds: 10, groupListLimit: 100 });
    const hosts = Array.from({ length: 1000 }, (_, i) => `host-${String(i).padStart(4, "0")}.example.com`);
    for (const h of hosts) alerting.handle(page(clock, h, { rule: "black-hole/black hole", severity: h.endsWith("0999.example.com") ? "critical" : "warning", alerting: grouped }));
    assert.equal(notifier.triggers, 0, "the group waits for more hosts");
    clock.advanceBy(10);
    assert.equal(notifier.triggers, 1);
    const n = notifier.sent[0]!;
    assert.equal(n.dedupKey, "black-hole/black hole");
    assert.equal(n.payload?.severity, "critical", "the most urgent member's severity");
    const d = n.payload.custom_details!;
    assert.equal(d.alert_count, 1000);
    assert.equal(d.host_count, 1000);
    assert.deepEqual(d.hosts, hosts.slice(0, 100));
    assert.equal(d.hosts_not_listed, 900);
    assert.ok(n.payload.summary.length <= 1024);
    assert.match(n.payload.summary, /^black-hole\/black hole: 1000 alerts on 1000 hosts: host-0000\.example\.com, host-0001/);
    assert.match(n.payload.summary, /\(\+\d+ more\)$/);
    assert.ok(bytesOf(n) < 512_000);
    clock.advanceBy(3600);
    assert.equal(notifier.triggers, 1, "nothing changed, nothing re-sent");
    const firing = alerting.listAlerts({ states: ["firing"], limit: 5000 });
    assert.equal(firing.length, 1000);
    assert.ok(firing.every((a) => a.notified && a.group === "black-hole/black hole"));
  });

  it("updates the group's page as hosts join and leave (throttled) and resolves when the last one resolves", () => {
    const { alerting, clock, notifier } = rig({ groupWaitSeconds: 10, groupIntervalSeconds: 60, renotifySeconds: 0 });
    const p = (h: string) => page(clock, h, { rule: "black-hole/black hole", alerting: grouped });
    const r = (h: string) => resolve(clock, h, "black-hole/black hole");
    alerting.handle(p("h1"));
    alerting.handle(p("h2"));
    clock.advanceBy(10);
    assert.deepEqual(notifier.sent[0]!.payload?.custom_details?.hosts, ["h1", "h2"]);
    alerting.handle(p("h3"));
    alerting.handle(p("h4"));
    clock.advanceBy(30);
    alerting.handle(r("h1"));
    assert.equal(notifier.triggers, 1, "updates wait for the group interval");
    clock.advanceBy(30);
    assert.equal(notifier.triggers, 2);
    assert.deepEqual(notifier.sent[1]!.payload?.custom_details?.hosts, ["h2", "h3", "h4"]);
    assert.equal(notifier.sent[1]!.dedupKey, notifier.sent[0]!.dedupKey, "an update, not a new page");
    // Leave and come back within one interval: same members, nothing sent.
    alerting.handle(r("h4"));
    alerting.handle(p("h4"));
    clock.advanceBy(120);
    assert.equal(notifier.triggers, 2);
    for (const h of ["h2", "h3"]) alerting.handle(r(h));
    assert.equal(notifier.resolves, 0);
    alerting.handle(r("h4"));
    assert.equal(notifier.resolves, 1, "the last host resolving resolves the group at once");
    assert.deepEqual(notifier.sent[notifier.sent.length - 1], { action: "resolve", dedupKey: "black-hole/black hole", routing: "default" });
    clock.advanceBy(3600);
    assert.equal(clock.pending, 0, "no timers left");
  });

  it("a group whose hosts all resolve within the group wait pages nobody", () => {
    const { alerting, clock, notifier } = rig({ groupWaitSeconds: 10 });
    alerting.handle(page(clock, "h1", { rule: "x/y", alerting: grouped }));
    clock.advanceBy(5);
    alerting.handle(resolve(clock, "h1", "x/y"));
    clock.advanceBy(60);
    assert.equal(notifier.sent.length, 0);
  });

  it("re-sends the group's trigger every renotifySeconds", () => {
    const { alerting, clock, notifier } = rig({ groupWaitSeconds: 10 });
    alerting.handle(page(clock, "h1", { rule: "x/y", alerting: { ...grouped, renotifySeconds: 600 } }));
    clock.advanceBy(10);
    clock.advanceBy(600);
    assert.equal(notifier.triggers, 2);
    assert.equal(alerting.history({ kinds: ["notification"] }).at(-1)?.detail?.reason, "renotify");
  });
});

describe("failure", () => {
  it("a notifier that throws rolls the state change back, and the next page tries again", () => {
    const { alerting, clock, notifier } = rig({ resolveAfterSeconds: 0 });
    let fail = true;
    const original = notifier.enqueue.bind(notifier);
    notifier.enqueue = (n) => {
      if (fail) throw new Error("outbox unavailable");
      original(n);
    };
    assert.throws(() => alerting.handle(page(clock, "h1")), /outbox unavailable/);
    assert.deepEqual(alerting.listAlerts(), [], "nothing half-written");
    fail = false;
    clock.advanceBy(10);
    alerting.handle(page(clock, "h1"));
    assert.equal(notifier.triggers, 1);
    alerting.handle(resolve(clock, "h1"));
    assert.equal(notifier.resolves, 1);
    assert.equal(alerting.listAlerts()[0]?.state, "resolved");
  });
});
