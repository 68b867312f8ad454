/**
 * The server checked against an independent implementation of the
 * protocol: the npm `riemann` client (2.2.0, its own protobufjs copy and
 * its own proto3 schema without time_micros). It sends events over TCP
 * (waiting for the ack) and UDP, sends deprecated State messages, and
 * queries; we check what the engine received and what the client decoded.
 * The client fills in host and time itself and sends metrics as metric_f
 * only. Its TCP reader mis-parses two replies arriving in one chunk, so
 * these tests wait for each reply before sending the next request.
 */
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { after, before, describe, it } from "node:test";
import { makeEvent } from "../streams/event.ts";
import { startRiemannServer, type RiemannServer } from "./server.ts";
import { recordingEngine, withTimeout, type RecordingEngine } from "./test-support.ts";

/** The parts of the npm client's (untyped) API these tests use. */
interface NpmRiemannClient {
  readonly tcp: unknown;
  readonly udp: unknown;
  Event(event: Record<string, unknown>): unknown;
  State(state: Record<string, unknown>): unknown;
  Query(query: { string: string }): unknown;
  send(payload: unknown, transport?: unknown): Promise<NpmMsg | undefined>;
  disconnect(): Promise<void>;
  on(event: "error", listener: (err: Error) => void): void;
}

/** A reply as the npm client decodes it (camelCase fields, 64-bit values as Long). */
interface NpmMsg {
  ok?: boolean;
  error?: string;
  events?: {
    host?: string;
    service?: string;
    state?: string;
    metricF?: number;
    metricD?: number;
    metricSint64?: { toNumber(): number } | number;
    time?: { toNumber(): number } | number;
    ttl?: number;
    tags?: string[];
    attributes?: { key: string; value?: string }[];
  }[];
}

interface NpmRiemann {
  createClient(options: { host: string; port: number; returnPromise: true }): Promise<NpmRiemannClient>;
}

const require = createRequire(import.meta.url);
const riemann = require("riemann") as NpmRiemann;
const TIMEOUT = 5000;

function num(v: { toNumber(): number } | number | undefined): number | undefined {
  return v === undefined ? undefined : typeof v === "number" ? v : v.toNumber();
}

describe("the npm riemann client against our server", () => {
  let rec: RecordingEngine;
  let server: RiemannServer;
  let client: NpmRiemannClient;

  before(async () => {
    rec = recordingEngine();
    server = await startRiemannServer({ engine: rec.engine, port: 0 });
    client = await withTimeout(riemann.createClient({ host: "127.0.0.1", port: server.tcpPort!, returnPromise: true }), TIMEOUT, "npm client connect");
    client.on("error", () => {});
  });
  after(async () => {
    await withTimeout(client.disconnect(), TIMEOUT, "npm client disconnect");
    await server.close();
  });

  it("sends an event over TCP and gets {ok: true} after it was processed", async () => {
    const reply = await withTimeout(
      client.send(client.Event({ host: "npm-tcp", service: "buffet_plates", metric: 252.2, state: "ok", tags: ["nonblocking"], ttl: 30, attributes: [{ key: "session", value: "000-001" }] }), client.tcp),
      TIMEOUT,
      "ack",
    );
    assert.equal(reply?.ok, true);
    const e = rec.engine.index.lookup("npm-tcp", "buffet_plates");
    assert.ok(e, "indexed before the ack");
    assert.equal(e.metric, 252.2, "metric_f read as the decimal the client meant");
    assert.equal(e.state, "ok");
    assert.deepEqual(e.tags, ["nonblocking"]);
    assert.equal(e.ttl, 30);
    assert.deepEqual(e.attributes, { session: "000-001" });
    assert.ok(Math.abs(e.time - Date.now() / 1000) < 5, "the client's own time stamp (whole seconds) is kept");
  });

  it("fills in its own host name when the event has none, and we accept it", async () => {
    const reply = await withTimeout(client.send(client.Event({ service: "no-host-given", metric: 1 }), client.tcp), TIMEOUT, "ack");
    assert.equal(reply?.ok, true);
    assert.ok(rec.seen.some((e) => e.service === "no-host-given" && e.host.length > 0));
  });

  it("gets {ok: false} with the reason for an event our validation rejects", async () => {
    const reply = await withTimeout(client.send(client.Event({ host: "npm", service: "x".repeat(300) }), client.tcp), TIMEOUT, "reply");
    assert.equal(reply?.ok, false);
    assert.match(reply?.error ?? "", /service_too_long/);
  });

  it("sends events over UDP (no reply) and they are processed", async () => {
    for (let i = 0; i < 5; i++) {
      await withTimeout(client.send(client.Event({ host: "npm-udp", service: `udp-${i}`, metric: i })), TIMEOUT, "udp sent");
    }
    for (let i = 0; i < 5; i++) {
      const e = await rec.waitFor((x) => x.host === "npm-udp" && x.service === `udp-${i}`, TIMEOUT);
      assert.equal(e.metric, i);
    }
  });

  it("sends a deprecated State message over TCP: acked and ignored, as Riemann does", async () => {
    const reply = await withTimeout(client.send(client.State({ host: "npm-state", service: "old", state: "ok" }), client.tcp), TIMEOUT, "ack");
    assert.equal(reply?.ok, true);
    assert.equal(rec.engine.index.lookup("npm-state", "old"), undefined);
  });

  it("queries the index and decodes our answer", async () => {
    const now = rec.clock.now();
    rec.engine.submitAll([
      makeEvent({ host: "q1", service: "cpu", time: now, metric: 0.75, state: "warning", tags: ["prod"], attributes: { rack: "r7" }, ttl: 120 }),
      makeEvent({ host: "q2", service: "cpu", time: now, metric: 3, state: "ok" }),
      makeEvent({ host: "q3", service: "mem", time: now, metric: 5 }),
    ]);
    const reply = await withTimeout(client.send(client.Query({ string: 'service = "cpu" and (host = "q1" or host = "q2")' })), TIMEOUT, "query reply");
    assert.equal(reply?.ok, true);
    const events = [...(reply?.events ?? [])].sort((a, b) => (a.host ?? "").localeCompare(b.host ?? ""));
    assert.deepEqual(
      events.map((e) => e.host),
      ["q1", "q2"],
    );
    const [q1, q2] = events;
    assert.equal(q1!.metricD, 0.75);
    assert.equal(q1!.metricF, Math.fround(0.75));
    assert.equal(q1!.state, "warning");
    assert.deepEqual(q1!.tags, ["prod"]);
    assert.equal(q1!.ttl, 120);
    assert.deepEqual(
      q1!.attributes?.map((a) => [a.key, a.value]),
      [["rack", "r7"]],
    );
    assert.equal(num(q1!.time), Math.floor(now));
    assert.equal(num(q2!.metricSint64), 3);
  });

  it("gets a parse error for a bad query", async () => {
    const reply = await withTimeout(client.send(client.Query({ string: "metric >" })), TIMEOUT, "query reply");
    assert.equal(reply?.ok, false);
    assert.match(reply?.error ?? "", /^parse error: /);
  });
});
