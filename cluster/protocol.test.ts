/** Tests of the aggregates-topic message format: round trip, and the reasons a malformed message is refused. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodeMessage, encodeMessage, PROTOCOL_VERSION, type ClusterMessage } from "./protocol.ts";

const message: ClusterMessage = {
  v: PROTOCOL_VERSION,
  engine: "engine-1",
  time: 1_700_000_000.25,
  seq: 7,
  ttl: 60,
  leader: true,
  slots: [
    { slot: "events/0", since: 1_699_999_990, aggregates: new Map([["builtin/swap-storm/swapping hosts", { live: 9, matching: 3, hosts: ["h0", "h4", "h8"] }]]) },
    { slot: "local/engine-1", since: 1_699_999_980, aggregates: new Map() },
  ],
  alerts: { from: "engine-1", at: 1_700_000_000, keys: new Map([["swap-storm/swap storm:*", "page:critical"]]) },
};

function refused(value: unknown): string {
  const d = decodeMessage(Buffer.from(typeof value === "string" ? value : JSON.stringify(value)));
  assert.equal(d.ok, false, `expected a refusal of ${JSON.stringify(value)}`);
  return d.ok ? "" : d.reason;
}

describe("cluster protocol", () => {
  it("round-trips a message", () => {
    const d = decodeMessage(encodeMessage(message));
    assert.ok(d.ok);
    assert.deepEqual(d.message, message);
  });

  it("writes the documented JSON shape", () => {
    const json = JSON.parse(encodeMessage(message).toString()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(json), ["v", "engine", "time", "seq", "ttl", "leader", "slots", "alerts"]);
    assert.deepEqual((json.slots as unknown[])[0], { slot: "events/0", since: 1_699_999_990, aggregates: { "builtin/swap-storm/swapping hosts": { live: 9, matching: 3, hosts: ["h0", "h4", "h8"] } } });
    assert.deepEqual(json.alerts, { from: "engine-1", at: 1_700_000_000, keys: { "swap-storm/swap storm:*": "page:critical" } });
  });

  it("refuses malformed messages with the reason, never throwing", () => {
    const good = JSON.parse(encodeMessage(message).toString()) as Record<string, unknown>;
    assert.equal(refused("{"), "not JSON");
    assert.equal(refused([]), "message must be a JSON object");
    assert.equal(refused({ ...good, v: 2 }), "v must be 1");
    assert.match(refused({ ...good, engine: "" }), /^engine must be a string/);
    assert.match(refused({ ...good, time: "now" }), /^time must be a finite number/);
    assert.match(refused({ ...good, seq: -1 }), /^seq must be an integer/);
    assert.equal(refused({ ...good, leader: 1 }), "leader must be a boolean");
    assert.match(refused({ ...good, slots: {} }), /^slots must be an array/);
    assert.match(refused({ ...good, slots: [{ slot: "events/0", since: 1, aggregates: { x: { live: 1, matching: 2, hosts: [] } } }] }), /matching must not exceed live/);
    assert.match(refused({ ...good, slots: [{ slot: "events/0", since: 1, aggregates: { x: { live: 1, matching: 0, hosts: [7] } } }] }), /hosts\[0\] must be a string/);
    assert.match(refused({ ...good, slots: [{ slot: "events/0", since: 1, aggregates: { x: { live: 1, matching: 0, hosts: Array(1001).fill("h") } } }] }), /at most 1000/);
    assert.match(refused({ ...good, alerts: { from: "e", at: 1, keys: { k: 3 } } }), /^alerts.keys\["k"\] must be a string/);
  });

  it("ignores unknown fields and a null alerts", () => {
    const json = { ...(JSON.parse(encodeMessage(message).toString()) as Record<string, unknown>), extra: 1, alerts: null };
    const d = decodeMessage(JSON.stringify(json));
    assert.ok(d.ok);
    assert.equal(d.message.alerts, undefined);
  });
});
