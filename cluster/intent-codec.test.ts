/**
 * Tests of the intents' wire format: every intent an engine sends comes
 * back equal; bytes from elsewhere are refused with a reason that names the
 * field, and never throw.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { PageIntent } from "../rules/intents.ts";
import { decodeIntentMessage, encodeIntentMessage, isActionIntent, type ActionIntent } from "./intent-codec.ts";

const page: PageIntent = {
  kind: "page",
  rule: "swap-storm/swap storm",
  key: "swap-storm/swap storm:*",
  severity: "critical",
  summary: "swap storm: 30% of hosts swapping",
  time: 1_700_000_000.5,
  evidence: [{ host: "*", service: "swapping hosts", time: 1_700_000_000.5, metric: 0.3, attributes: { hosts: "h1,h2" } }],
  alerting: { forSeconds: 60, groupBy: "rule", routing: "infra" },
};

function roundTrip(intent: ActionIntent): ActionIntent {
  const d = decodeIntentMessage(encodeIntentMessage({ v: 1, engine: "engine-a", intent }));
  assert.ok(d.ok, d.ok ? "" : d.reason);
  assert.equal(d.message.engine, "engine-a");
  return d.message.intent;
}

/** Drops undefined fields, as JSON does. */
function plain(x: unknown): unknown {
  return JSON.parse(JSON.stringify(x)) as unknown;
}

function refusal(value: unknown): string {
  const d = decodeIntentMessage(typeof value === "string" ? value : JSON.stringify(value));
  assert.ok(!d.ok, "refused");
  return d.reason;
}

describe("intent codec", () => {
  it("carries pages, resolves and host actions unchanged", () => {
    const intents: ActionIntent[] = [
      page,
      { kind: "page", rule: "host-expired/host gone silent", key: "host-expired/host gone silent:h1", severity: "warning", summary: "h1 silent", time: 5, host: "h1", service: "heartbeat", evidence: [{ host: "h1", service: "heartbeat", time: 4, state: "expired" }] },
      { kind: "resolve", rule: "swap-storm/swap storm", key: "swap-storm/swap storm:*", time: 9, summary: "0% swapping" },
      { kind: "drain", rule: "host-expired", host: "h1", reason: "silent", time: 5 },
      { kind: "blacklist", rule: "task-black-hole", host: "h2", reason: "black hole", ttl: 3600, time: 6 },
      { kind: "restore", rule: "host-expired", host: "h1", reason: "reporting again", time: 7 },
    ];
    for (const intent of intents) assert.deepEqual(plain(roundTrip(intent)), plain(intent));
  });

  it("tells the intents that leave an engine from the ones that stay", () => {
    assert.equal(isActionIntent(page), true);
    assert.equal(isActionIntent({ kind: "restore" }), true);
    assert.equal(isActionIntent({ kind: "index" }), false);
    assert.equal(isActionIntent({ kind: "log" }), false);
    assert.equal(isActionIntent({ kind: "forward" }), false);
  });

  it("refuses what is not a message of this version, naming the field", () => {
    const ok = { v: 1, engine: "e", intent: page };
    assert.match(refusal("{not json"), /^not JSON/);
    assert.match(refusal([1, 2]), /the message must be a JSON object/);
    assert.match(refusal({ ...ok, v: 2 }), /format version 2 is not 1/);
    assert.match(refusal({ ...ok, engine: "" }), /"engine" must be a non-empty string/);
    assert.match(refusal({ ...ok, intent: { ...page, kind: "index" } }), /"intent.kind" must be page, resolve, drain, blacklist or restore, got "index"/);
    assert.match(refusal({ ...ok, intent: { ...page, severity: "fatal" } }), /"severity" must be one of critical, error, warning, info/);
    assert.match(refusal({ ...ok, intent: { ...page, time: "now" } }), /"time" must be a finite number/);
    assert.match(refusal({ ...ok, intent: { ...page, evidence: {} } }), /"evidence" must be an array/);
    assert.match(refusal({ ...ok, intent: { ...page, evidence: [{ host: "h" }] } }), /evidence\[0\] needs string "host" and "service"/);
    assert.match(refusal({ ...ok, intent: { ...page, alerting: { groupBy: "host" } } }), /"alerting.groupBy" must be "rule" or "none"/);
    assert.match(refusal({ ...ok, intent: { ...page, alerting: { forSeconds: -1 } } }), /"forSeconds" must be at least 0/);
    assert.match(refusal({ ...ok, intent: { ...page, summary: "x".repeat(9000) } }), /"summary" is longer than 8192/);
    assert.match(refusal({ ...ok, intent: { kind: "blacklist", rule: "r", host: "h", reason: "x", time: 1 } }), /a blacklist needs "ttl"/);
    assert.match(refusal({ ...ok, intent: { kind: "drain", rule: "r", reason: "x", time: 1 } }), /"host" must be a non-empty string/);
  });
});
