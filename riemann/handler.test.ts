/**
 * Tests of `RiemannHandler`, the transport-independent protocol logic: the
 * ack comes after the events were processed, rejected events give one
 * error reply while the valid ones are kept, queries are answered from the
 * index in Riemann's query language, and bad bytes never throw.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { VirtualClock } from "../streams/clock.ts";
import { Engine } from "../streams/engine.ts";
import { makeEvent, type Event } from "../streams/event.ts";
import { eventToRiemann } from "./codec.ts";
import { RiemannHandler } from "./handler.ts";
import { decodeMsg, encodeMsg, int64ToNumber, type PbEvent, type PbMsg } from "./schema.ts";

const T = 1_700_000_000;

function setup(options: { maxQueryEvents?: number } = {}): { engine: Engine; handler: RiemannHandler; seen: Event[] } {
  const engine = new Engine({ clock: new VirtualClock(T) });
  const seen: Event[] = [];
  engine.setStream((e) => seen.push(e));
  return { engine, handler: new RiemannHandler(engine, options), seen };
}

function ask(handler: RiemannHandler, msg: PbMsg): PbMsg {
  const frame = handler.handleFrame(encodeMsg(msg));
  assert.equal(frame.readUInt32BE(0), frame.length - 4, "the reply carries its length prefix");
  return decodeMsg(frame.subarray(4));
}

const ev = (host: string, service: string, extra: Partial<PbEvent> = {}): PbEvent => ({ host, service, time: T, ...extra });

describe("RiemannHandler events", () => {
  it("acks {ok: true} after every event reached the streams and the index", () => {
    const { engine, handler, seen } = setup();
    const reply = ask(handler, { events: [ev("a", "cpu", { metric_d: 0.5 }), ev("b", "cpu")] });
    assert.equal(reply.ok, true);
    assert.equal(Object.hasOwn(reply, "error"), false);
    assert.deepEqual(
      seen.map((e) => e.host),
      ["a", "b"],
    );
    assert.equal(engine.index.lookup("a", "cpu")?.metric, 0.5);
    assert.equal(handler.stats.eventsAccepted, 2);
  });

  it("an empty message is acked", () => {
    const { handler } = setup();
    assert.equal(ask(handler, {}).ok, true);
  });

  it("rejected events give {ok: false} with reasons, and the valid ones of the message are processed", () => {
    const { engine, handler, seen } = setup();
    const reply = ask(handler, { events: [ev("a", "cpu"), { service: "no host", time: T }, ev("c", "cpu", { ttl: -1 })] });
    assert.equal(reply.ok, false);
    assert.match(reply.error!, /^2 of 3 events rejected: event 1: missing_host: host is required; event 2: invalid_ttl: /);
    assert.deepEqual(
      seen.map((e) => e.host),
      ["a"],
    );
    assert.equal(engine.stats.rejected.get("missing_host"), 1);
    assert.equal(handler.stats.eventsRejected, 2);
    assert.equal(handler.stats.eventsAccepted, 1);
  });

  it("lists at most five rejections and counts the rest", () => {
    const { handler } = setup();
    const reply = ask(handler, { events: Array.from({ length: 8 }, () => ({ service: "x" })) });
    assert.match(reply.error!, /^8 of 8 events rejected: .*; and 3 more$/);
    assert.equal(reply.error!.split("missing_host").length - 1, 5);
  });

  it("ignores deprecated State messages", () => {
    const { handler, seen } = setup();
    const bytes = encodeMsg({ states: [{ host: "a", service: "old" }] as unknown[] });
    assert.equal(decodeMsg(handler.handleFrame(bytes).subarray(4)).ok, true);
    assert.equal(seen.length, 0);
  });
});

describe("RiemannHandler invalid bytes", () => {
  it("replies with an error, counts the message, and never throws", () => {
    const { engine, handler } = setup();
    for (const bytes of [Buffer.from([0x0a, 0xff]), Buffer.from([0x32, 0x05, 0x22]), Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])]) {
      const reply = decodeMsg(handler.handleFrame(bytes).subarray(4));
      assert.equal(reply.ok, false);
      assert.match(reply.error!, /^invalid message: /);
    }
    assert.equal(handler.stats.invalidMessages, 3);
    assert.equal(engine.stats.rejected.get("riemann_invalid_message"), 3);
  });

  it("an attribute without its required key makes the message invalid", () => {
    const { handler } = setup();
    // Msg.events[0] = Event { attributes: [Attribute { value: "v" }] }
    const attribute = Buffer.from([0x12, 0x01, 0x76]);
    const event = Buffer.concat([Buffer.from([0x4a, attribute.length]), attribute]);
    const msg = Buffer.concat([Buffer.from([0x32, event.length]), event]);
    const reply = decodeMsg(handler.handleFrame(msg).subarray(4));
    assert.equal(reply.ok, false);
    assert.match(reply.error!, /invalid message: .*key/);
  });

  it("handle() returns undefined for a plain ack (what UDP uses)", () => {
    const { handler } = setup();
    assert.equal(handler.handle(encodeMsg({ events: [ev("a", "b")] })), undefined);
    assert.equal(handler.handle(Buffer.from([0x0a]))?.ok, false);
  });
});

describe("RiemannHandler queries", () => {
  function withIndex(): RiemannHandler {
    const { handler, engine } = setup();
    engine.submitAll([
      makeEvent({ host: "web1", service: "cpu", time: T, metric: 0.9, state: "critical", tags: ["prod"] }),
      makeEvent({ host: "web2", service: "cpu", time: T, metric: 0.1, state: "ok", tags: ["prod"], attributes: { rack: "r1" } }),
      makeEvent({ host: "db1", service: "disk", time: T, metric: 7, state: "ok" }),
    ]);
    return handler;
  }

  const cases: [string, string, string[]][] = [
    ["a key lookup", 'host = "web1" and service = "cpu"', ["web1"]],
    ["a comparison on the metric", "metric > 0.5", ["db1", "web1"]],
    ["tags and negation", 'tagged "prod" and not state = "ok"', ["web1"]],
    ["LIKE patterns", 'host =~ "web%"', ["web1", "web2"]],
    ["custom attributes", 'rack = "r1"', ["web2"]],
    ["everything", "true", ["db1", "web1", "web2"]],
    ["nothing", 'host = "nope"', []],
  ];
  for (const [name, query, hosts] of cases) {
    it(`answers ${name}: ${query}`, () => {
      const reply = ask(withIndex(), { query: { string: query } });
      assert.equal(reply.ok, true);
      assert.deepEqual(reply.events!.map((e) => e.host).sort(), hosts);
    });
  }

  it("returns events encoded as Riemann does", () => {
    const reply = ask(withIndex(), { query: { string: 'host = "db1"' } });
    const e = reply.events![0]!;
    assert.equal(e.service, "disk");
    assert.equal(int64ToNumber(e.metric_sint64!), 7);
    assert.equal(e.metric_f, 7);
    assert.equal(int64ToNumber(e.time!), T);
    assert.equal(int64ToNumber(e.time_micros!), T * 1e6);
  });

  it("a parse error replies {ok: false, error: 'parse error: ...'}", () => {
    const handler = withIndex();
    const reply = ask(handler, { query: { string: 'host = "a" and' } });
    assert.equal(reply.ok, false);
    assert.match(reply.error!, /^parse error: /);
    assert.equal(handler.stats.queryErrors, 1);
    assert.equal(ask(handler, { query: {} }).ok, false, "a query without a string is a parse error too");
  });

  it("refuses a query matching more than maxQueryEvents", () => {
    const { handler, engine } = setup({ maxQueryEvents: 2 });
    engine.submitAll([1, 2, 3].map((i) => makeEvent({ host: `h${i}`, service: "s", time: T })));
    const reply = ask(handler, { query: { string: "true" } });
    assert.equal(reply.ok, false);
    assert.match(reply.error!, /matched 3 events, the limit is 2/);
    assert.equal(ask(handler, { query: { string: 'host = "h1"' } }).events!.length, 1);
  });

  it("processes a message's events before answering its query", () => {
    const { handler } = setup();
    const reply = ask(handler, { events: [eventToRiemann(makeEvent({ host: "new", service: "s", time: T }))], query: { string: 'host = "new"' } });
    assert.equal(reply.ok, true);
    assert.equal(reply.events!.length, 1);
  });
});
