/**
 * Tests of silences and maintenance windows: what they mute, that an alert
 * paged before a mute still resolves (alertmanager#226), that a mute ending
 * while the alert fires pages at once (alertmanager#2896), and their history.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AlertingInputError } from "./errors.ts";
import { page, resolve, rig } from "./test-support.ts";

const byHost = (host: string, extra: Record<string, unknown> = {}) => ({
  matchers: [{ name: "host", value: host }],
  durationSeconds: 3600,
  createdBy: "alice",
  comment: "reimaging",
  ...extra,
});

describe("silences", () => {
  it("a silenced alert does not page, and its resolve sends nothing", () => {
    const { alerting, clock, notifier } = rig({ resolveAfterSeconds: 0 });
    const silence = alerting.createSilence(byHost("h1"));
    assert.equal(silence.state, "active");
    alerting.handle(page(clock, "h1"));
    alerting.handle(page(clock, "h2"));
    assert.deepEqual(notifier.sent.map((n) => n.dedupKey), ["disk/full:h2"]);
    const h1 = alerting.listAlerts({ host: "h1" })[0]!;
    assert.equal(h1.state, "firing");
    assert.equal(h1.muted, true);
    assert.deepEqual(h1.mutedBy, { silences: [silence.id], maintenance: [] });
    assert.equal(h1.notified, false);
    alerting.handle(resolve(clock, "h1"));
    assert.equal(notifier.sent.length, 1, "never paged, so no resolve");
    assert.deepEqual(
      alerting.alertHistory(h1.id)!.map((h) => h.kind),
      ["firing", "muted", "resolved"],
    );
  });

  it("an alert paged before the silence still sends its resolve, and is not re-notified while silenced", () => {
    const { alerting, clock, notifier } = rig({ resolveAfterSeconds: 60, renotifySeconds: 600 });
    alerting.handle(page(clock, "h1"));
    assert.equal(notifier.triggers, 1);
    clock.advanceBy(10);
    alerting.createSilence(byHost("h1", { durationSeconds: 7200 }));
    clock.advanceBy(3000);
    assert.equal(notifier.triggers, 1, "no re-notify while silenced");
    alerting.handle(resolve(clock, "h1"));
    clock.advanceBy(60);
    assert.equal(notifier.resolves, 1, "the open PagerDuty alert is closed even though silenced");
    assert.equal(notifier.sent[1]!.dedupKey, "disk/full:h1");
  });

  it("pages when the silence ends while the alert is still firing", () => {
    const { alerting, clock, notifier } = rig();
    alerting.createSilence(byHost("h1", { durationSeconds: 1800 }));
    alerting.handle(page(clock, "h1"));
    clock.advanceBy(1799);
    assert.equal(notifier.triggers, 0);
    clock.advanceBy(1);
    assert.equal(notifier.triggers, 1, "paged the moment the silence ended");
    assert.equal(alerting.listSilences({ states: ["expired"] })[0]?.state, "expired");
    const kinds = alerting.history().map((h) => h.kind);
    assert.deepEqual(kinds, ["silence-created", "firing", "muted", "silence-expired", "unmuted", "notification"]);
  });

  it("pages at once when the silence is expired early, and not at all if the alert resolved meanwhile", () => {
    const { alerting, clock, notifier } = rig({ resolveAfterSeconds: 0 });
    const s = alerting.createSilence(byHost("h.*", { matchers: [{ name: "host", value: "h.*", isRegex: true }] }));
    alerting.handle(page(clock, "h1"));
    alerting.handle(page(clock, "h2"));
    alerting.handle(resolve(clock, "h2"));
    clock.advanceBy(60);
    const expired = alerting.expireSilence(s.id);
    assert.equal(expired?.state, "expired");
    assert.equal(expired?.endsAt, new Date(clock.now() * 1000).toISOString());
    assert.deepEqual(notifier.sent.map((n) => `${n.action} ${n.dedupKey}`), ["trigger disk/full:h1"]);
    assert.equal(alerting.expireSilence(s.id)?.state, "expired", "expiring twice is harmless");
    assert.equal(alerting.expireSilence(999), undefined);
    clock.advanceBy(7200);
    assert.equal(alerting.history({ kinds: ["silence-expired"] }).length, 1, "the boundary does not expire it a second time");
  });

  it("a silence that starts later mutes from its start (without resolving what was paged)", () => {
    const { alerting, clock, notifier } = rig({ renotifySeconds: 900 });
    alerting.createSilence(byHost("h1", { startsAt: clock.now() + 600, durationSeconds: 3600 }));
    assert.equal(alerting.listSilences()[0]?.state, "pending");
    alerting.handle(page(clock, "h1"));
    assert.equal(notifier.triggers, 1, "not silenced yet");
    clock.advanceBy(600);
    assert.equal(alerting.listAlerts()[0]?.muted, true);
    assert.equal(notifier.resolves, 0, "a silence does not resolve anything");
    clock.advanceBy(3000);
    assert.equal(notifier.triggers, 1, "no renotify during the silence");
    clock.advanceBy(600);
    assert.equal(alerting.listAlerts()[0]?.muted, false);
    assert.equal(notifier.triggers, 2, "the overdue renotify goes out when the silence ends");
  });

  it("matches on rule, service, labels, regex and negation, all matchers together", () => {
    const { alerting, clock, notifier } = rig();
    alerting.createSilence({
      matchers: [
        { name: "rule", value: "disk/.*", isRegex: true },
        { name: "service", value: "disk /" },
        { name: "rack", value: "r1" },
        { name: "host", value: "h9", isEqual: false },
      ],
      durationSeconds: 600,
      createdBy: "bob",
      comment: "rack r1 power work",
    });
    alerting.handle(page(clock, "h1", { attributes: { rack: "r1" } })); // muted
    alerting.handle(page(clock, "h2", { attributes: { rack: "r2" } })); // other rack
    alerting.handle(page(clock, "h9", { attributes: { rack: "r1" } })); // excluded by host!=h9
    alerting.handle(page(clock, "h3", { rule: "cpu/hot", attributes: { rack: "r1" } })); // other rule
    alerting.handle(page(clock, "h4", { service: "disk /var", attributes: { rack: "r1" } })); // other service
    assert.deepEqual(notifier.sent.map((n) => n.dedupKey).sort(), ["cpu/hot:h3", "disk/full:h2", "disk/full:h4", "disk/full:h9"]);
  });

  it("rejects bad silences naming the field", () => {
    const { alerting } = rig();
    const cases: [unknown, string, RegExp][] = [
      [{ ...byHost("h1"), matchers: [] }, "matchers", /must be a non-empty array/],
      [{ ...byHost("h1"), matchers: [{ name: "host", value: "(", isRegex: true }] }, "matchers[0].value", /not a valid regular expression/],
      [{ ...byHost("h1"), matchers: [{ name: "host", value: ".*", isRegex: true }] }, "matchers", /must not mute everything/],
      [{ ...byHost("h1"), matchers: [{ name: "1host", value: "x" }] }, "matchers[0].name", /label name/],
      [{ ...byHost("h1"), createdBy: "" }, "createdBy", /must be a non-empty string/],
      [{ ...byHost("h1"), comment: undefined }, "comment", /must be a non-empty string, got undefined/],
      [{ ...byHost("h1"), durationSeconds: undefined }, "endsAt", /or durationSeconds is required/],
      [{ ...byHost("h1"), durationSeconds: -5 }, "durationSeconds", /must be a number of seconds > 0/],
      [{ ...byHost("h1"), durationSeconds: undefined, endsAt: "yesterday" }, "endsAt", /ISO 8601/],
      [{ ...byHost("h1"), durationSeconds: undefined, endsAt: "2001-01-01T00:00:00Z" }, "endsAt", /must be after startsAt/],
      [{ ...byHost("h1"), hosts: ["h1"] }, "hosts", /is not a field of a silence/],
    ];
    for (const [input, field, message] of cases) {
      assert.throws(
        () => alerting.createSilence(input),
        (err: unknown) => err instanceof AlertingInputError && err.field === field && message.test(err.message) && err.message.startsWith(field),
        `${field} ${String(message)}`,
      );
    }
    assert.deepEqual(alerting.listSilences({ states: ["pending", "active", "expired"] }), []);
  });
});

describe("maintenance", () => {
  it("a host in maintenance does not page for host-level alerts; cluster alerts and other hosts still page", () => {
    const { alerting, clock, notifier } = rig();
    const m = alerting.startMaintenance({ host: "h1", durationSeconds: 3600, createdBy: "carol", reason: "BIOS update" });
    assert.equal(m.state, "active");
    alerting.handle(page(clock, "h1"));
    alerting.handle(page(clock, "h2"));
    alerting.handle(page(clock, undefined, { rule: "swap/storm" }));
    assert.deepEqual(notifier.sent.map((n) => n.dedupKey).sort(), ["disk/full:h2", "swap/storm:*"]);
    assert.deepEqual(alerting.listAlerts({ host: "h1" })[0]?.mutedBy, { silences: [], maintenance: [m.id] });
  });

  it("pages a still-firing alert when maintenance ends, early or on time", () => {
    const { alerting, clock, notifier } = rig();
    const m1 = alerting.startMaintenance({ host: "h1", durationSeconds: 3600, createdBy: "carol", reason: "BIOS update" });
    alerting.startMaintenance({ host: "h2", durationSeconds: 3600, createdBy: "carol", reason: "BIOS update" });
    alerting.handle(page(clock, "h1"));
    alerting.handle(page(clock, "h2"));
    clock.advanceBy(600);
    assert.equal(alerting.endMaintenance(m1.id)?.state, "expired");
    assert.deepEqual(notifier.sent.map((n) => n.dedupKey), ["disk/full:h1"]);
    clock.advanceBy(3000);
    assert.deepEqual(notifier.sent.map((n) => n.dedupKey), ["disk/full:h1", "disk/full:h2"]);
    assert.deepEqual(alerting.listMaintenance(), []);
    assert.equal(alerting.listMaintenance({ states: ["expired"] }).length, 2);
    assert.deepEqual(
      alerting.history({ kinds: ["maintenance-created", "maintenance-ended"] }).map((h) => `${h.kind} ${h.host} ${JSON.stringify(h.detail?.early ?? "")}`),
      ['maintenance-created h1 ""', 'maintenance-created h2 ""', "maintenance-ended h1 true", "maintenance-ended h2 false"],
    );
  });

  it("an alert paged before maintenance still resolves", () => {
    const { alerting, clock, notifier } = rig({ resolveAfterSeconds: 0 });
    alerting.handle(page(clock, "h1"));
    alerting.startMaintenance({ host: "h1", durationSeconds: 3600, createdBy: "carol", reason: "reboot" });
    alerting.handle(resolve(clock, "h1"));
    assert.deepEqual(notifier.sent.map((n) => n.action), ["trigger", "resolve"]);
  });

  it("rejects a maintenance window without a reason, naming the field", () => {
    const { alerting } = rig();
    assert.throws(() => alerting.startMaintenance({ host: "h1", durationSeconds: 60, createdBy: "x" }), (e: unknown) => e instanceof AlertingInputError && e.field === "reason");
    assert.throws(() => alerting.startMaintenance({ durationSeconds: 60, createdBy: "x", reason: "r" }), (e: unknown) => e instanceof AlertingInputError && e.field === "host");
  });
});

describe("mutes and groups", () => {
  const grouped = { groupBy: "rule" as const, resolveAfterSeconds: 0 };

  it("a silenced host is left out of its group's page; the group pages it when the silence ends", () => {
    const { alerting, clock, notifier } = rig({ groupWaitSeconds: 10, groupIntervalSeconds: 60 });
    const s = alerting.createSilence(byHost("h2"));
    alerting.handle(page(clock, "h1", { rule: "x/y", alerting: grouped }));
    alerting.handle(page(clock, "h2", { rule: "x/y", alerting: grouped }));
    clock.advanceBy(10);
    assert.deepEqual(notifier.sent[0]!.payload?.custom_details?.hosts, ["h1"]);
    alerting.expireSilence(s.id);
    clock.advanceBy(60);
    assert.deepEqual(notifier.sent[1]!.payload?.custom_details?.hosts, ["h1", "h2"]);
  });

  it("a group paged before its hosts were silenced still resolves when they resolve", () => {
    const { alerting, clock, notifier } = rig({ groupWaitSeconds: 10 });
    alerting.handle(page(clock, "h1", { rule: "x/y", alerting: grouped }));
    clock.advanceBy(10);
    alerting.createSilence(byHost("h1"));
    alerting.handle(resolve(clock, "h1", "x/y"));
    assert.deepEqual(notifier.sent.map((n) => n.action), ["trigger", "resolve"]);
  });

  it("a group whose only host is silenced pages nobody", () => {
    const { alerting, clock, notifier } = rig({ groupWaitSeconds: 10 });
    alerting.createSilence(byHost("h1"));
    alerting.handle(page(clock, "h1", { rule: "x/y", alerting: grouped }));
    clock.advanceBy(600);
    assert.equal(notifier.sent.length, 0);
  });
});
