/** Tests of Events v2 body building (limits, shrinking) and of the notifier's settings and routing-key sources. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fingerprint, normalise, toBody, truncate, wireDedupKey } from "./events-v2.ts";
import type { Notification } from "./notification.ts";
import { eventsUrlFromEnv, PAGERDUTY_DEFAULTS, PAGERDUTY_EVENTS_URL, redactor, resolvePagerDutyOptions, routingKeysFromEnv, routingKeysFromMap, routingKeyVariable } from "./options.ts";
import { validateEventV2 } from "./receiver-schema.ts";

const KEY = "0123456789abcdef0123456789abcdef";
const T0 = 1_700_000_000;

function trigger(payload: Partial<NonNullable<Notification["payload"]>> = {}, extra: Partial<Notification> = {}): Notification {
  return { action: "trigger", dedupKey: "disk/web-1", routing: "default", payload: { summary: "disk full", source: "web-1", severity: "critical", ...payload }, ...extra };
}

describe("Events v2 bodies", () => {
  it("builds a trigger with client, client_url, links and a timestamp from the clock, valid against the schema", () => {
    const m = normalise(trigger({}, { links: [{ href: "http://satellite/alerts/1", text: "alert" }] }), T0, "Satellite", 512_000);
    const body = toBody(m, KEY, "Satellite", "http://127.0.0.1:5001/");
    assert.deepEqual(body, {
      routing_key: KEY,
      event_action: "trigger",
      dedup_key: "disk/web-1",
      payload: { summary: "disk full", source: "web-1", severity: "critical", timestamp: "2023-11-14T22:13:20.000Z" },
      links: [{ href: "http://satellite/alerts/1", text: "alert" }],
      client: "Satellite",
      client_url: "http://127.0.0.1:5001/",
    });
    assert.deepEqual(validateEventV2(body), []);
    assert.deepEqual(m.notes, []);
  });

  it("sends acknowledge and resolve without payload, links or client", () => {
    const body = toBody(normalise({ action: "resolve", dedupKey: "k", routing: "default", payload: trigger().payload! }, T0, "Satellite", 512_000), KEY, "Satellite", "http://x/");
    assert.deepEqual(body, { routing_key: KEY, event_action: "resolve", dedup_key: "k" });
    assert.deepEqual(validateEventV2(body), []);
  });

  it("truncates a summary over 1024 characters with …, never splitting a surrogate pair", () => {
    const m = normalise(trigger({ summary: "s".repeat(5000) }), T0, "Satellite", 512_000);
    assert.equal(m.payload!.summary.length, 1024);
    assert.ok(m.payload!.summary.endsWith("s…"));
    assert.match(m.notes.join(), /truncated to 1024/);
    const emoji = truncate(`${"a".repeat(1022)}😀😀`, 1024);
    assert.equal(emoji, `${"a".repeat(1022)}…`);
  });

  it("limits severity to the four values, fills a missing summary and source", () => {
    const m = normalise({ action: "trigger", dedupKey: "k", routing: "default", payload: { severity: "ok" } as never }, T0, "Satellite", 512_000);
    assert.equal(m.payload!.severity, "error");
    assert.equal(m.payload!.summary, "k");
    assert.equal(m.payload!.source, "Satellite");
    assert.equal(m.notes.length, 3);
    assert.deepEqual(validateEventV2(toBody(m, KEY, "Satellite", null)), []);
  });

  it("shortens a dedup key over 255 characters stably", () => {
    const long = "rule/".repeat(100);
    assert.equal(wireDedupKey(long).length, 255);
    assert.equal(wireDedupKey(long), wireDedupKey(long));
    assert.notEqual(wireDedupKey(long), wireDedupKey(`${long}x`));
    assert.equal(wireDedupKey("short"), "short");
  });

  it("shrinks custom_details of an oversized event: keeps what fits, notes what was dropped, never fails", () => {
    const details = { host: "web-1", small: [1, 2, 3], huge: "x".repeat(600_000), after: "kept too" };
    const m = normalise(trigger({ custom_details: details }), T0, "Satellite", 512_000);
    const body = toBody(m, KEY, "Satellite", null);
    assert.ok(Buffer.byteLength(JSON.stringify(body)) <= 512_000);
    const cd = m.payload!.custom_details!;
    assert.equal(cd.host, "web-1");
    assert.deepEqual(cd.small, [1, 2, 3]);
    assert.equal(cd.after, "kept too");
    assert.equal(cd.huge, undefined);
    assert.match(String(cd.satellite_note), /dropped fields: huge/);
    assert.deepEqual(validateEventV2(body), []);
  });

  it("drops links and cuts long payload strings when custom_details alone cannot make it fit", () => {
    const m = normalise(trigger({ component: "c".repeat(300_000), custom_details: { a: 1 } }, { links: [{ href: `http://x/${"y".repeat(300_000)}`, text: "t" }] }), T0, "Satellite", 512_000);
    const body = toBody(m, KEY, "Satellite", null);
    assert.ok(Buffer.byteLength(JSON.stringify(body)) <= 512_000);
    assert.equal(body.links, undefined);
    assert.equal(body.payload!.component!.length, 1024);
    assert.deepEqual(validateEventV2(body), []);
  });

  it("replaces unserialisable custom_details by a note", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const m = normalise(trigger({ custom_details: cyclic }), T0, "Satellite", 512_000);
    assert.match(String(m.payload!.custom_details!.satellite_note), /could not be serialised/);
    assert.doesNotThrow(() => fingerprint(trigger({ custom_details: cyclic })));
  });

  it("fingerprints content regardless of key order, and differently for different content", () => {
    const a = fingerprint(trigger({ custom_details: { x: 1, y: 2 } }));
    const b = fingerprint({ routing: "default", payload: { severity: "critical", source: "web-1", summary: "disk full", custom_details: { y: 2, x: 1 } }, dedupKey: "disk/web-1", action: "trigger" });
    assert.equal(a, b);
    assert.notEqual(a, fingerprint(trigger({ summary: "disk fuller" })));
  });
});

describe("PagerDuty settings", () => {
  it("fills every default and validates with errors naming the field", () => {
    assert.deepEqual(resolvePagerDutyOptions(undefined), PAGERDUTY_DEFAULTS);
    assert.equal(resolvePagerDutyOptions({ ratePerMinute: 60 }).ratePerMinute, 60);
    assert.throws(() => resolvePagerDutyOptions({ requestTimeoutSeconds: "x" }), /^Error: pagerduty\.requestTimeoutSeconds must be a positive number, got "x"$/);
    assert.throws(() => resolvePagerDutyOptions({ ratePerMinute: 1.5 }, "alerting.pagerduty"), /alerting\.pagerduty\.ratePerMinute must be a positive integer/);
    assert.throws(() => resolvePagerDutyOptions({ retries: 3 }), /pagerduty\.retries is not a setting/);
    assert.throws(() => resolvePagerDutyOptions({ backoffBaseSeconds: 10, backoffCapSeconds: 5 }), /backoffCapSeconds \(5\) must be at least/);
    assert.throws(() => resolvePagerDutyOptions({ clientUrl: "ftp://x" }), /pagerduty\.clientUrl must be an http\(s\) URL/);
  });

  it("reads routing keys from PAGERDUTY_ROUTING_KEY and PAGERDUTY_ROUTING_KEY_<NAME>", () => {
    assert.equal(routingKeyVariable("default"), "PAGERDUTY_ROUTING_KEY");
    assert.equal(routingKeyVariable("db-team"), "PAGERDUTY_ROUTING_KEY_DB_TEAM");
    const keys = routingKeysFromEnv({ PAGERDUTY_ROUTING_KEY: KEY, PAGERDUTY_ROUTING_KEY_DB_TEAM: "k2k2k2k2k2k2k2k2k2k2k2k2k2k2k2k2", PAGERDUTY_ROUTING_KEY_WEB: "" });
    assert.equal(keys("default"), KEY);
    assert.equal(keys("db-team"), "k2k2k2k2k2k2k2k2k2k2k2k2k2k2k2k2");
    assert.equal(keys("web"), undefined, "empty counts as unset");
    assert.equal(keys("other"), undefined, "no fallback to the default key");
    assert.equal(routingKeysFromMap({ default: KEY })("default"), KEY);
  });

  it("reads the endpoint from PAGERDUTY_EVENTS_URL", () => {
    assert.equal(eventsUrlFromEnv({}), PAGERDUTY_EVENTS_URL);
    assert.equal(eventsUrlFromEnv({ PAGERDUTY_EVENTS_URL: "http://127.0.0.1:6000/v2/enqueue" }), "http://127.0.0.1:6000/v2/enqueue");
    assert.throws(() => eventsUrlFromEnv({ PAGERDUTY_EVENTS_URL: "nope" }), /PAGERDUTY_EVENTS_URL must be an http\(s\) URL/);
  });

  it("redacts secrets from text", () => {
    assert.equal(redactor([KEY])(`key=${KEY}, again ${KEY}`), "key=[redacted], again [redacted]");
  });
});
