/** Tests of the trace format: events survive encoding exactly, the dictionary works and is bounded, bad lines are refused with a reason. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { makeEvent, type Event } from "../streams/event.ts";
import { TRACE_VERSION, TraceDecoder, TraceEncoder, traceFileName, traceFileSeq, TraceFormatError, type TraceLine } from "./format.ts";

const HEADER = { satelliteTrace: TRACE_VERSION, seq: 1, start: 100, host: "eng1" };

/** Encodes `batches` into one file's text and decodes it back: the decoded lines and the events of each batch. */
function roundTrip(batches: readonly { t: number; events: readonly Event[] }[], maxDictionary?: number): { text: string; lines: TraceLine[]; events: Event[][] } {
  const enc = new TraceEncoder({ maxDictionary });
  const out = [enc.header(HEADER)];
  for (const b of batches) for (const e of b.events) enc.add(b.t, e, out);
  enc.flush(out);
  out.push(enc.end(200, { events: 1, dropped: 0 }));
  const text = out.join("");
  const dec = new TraceDecoder();
  const lines: TraceLine[] = [];
  const events: Event[][] = [];
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const l = dec.line(line);
    lines.push(l);
    if (l.kind === "batch") events.push(dec.events.slice(0, l.count));
  }
  return { text, lines, events };
}

describe("trace format", () => {
  it("gives back every field of every event exactly, absent fields absent", () => {
    const a = makeEvent({ host: "web1", service: "cpu", time: 1735732800.123456, metric: 0.1 + 0.2, state: "ok", ttl: 30 });
    const b = makeEvent({
      host: "web1",
      service: "disk writable",
      time: 1735732800.5,
      state: "critical",
      metric: 2,
      ttl: 300,
      description: 'timed out "badly"\nafter 10 s ✓',
      tags: ["check", "disk"],
      attributes: { mount_point: "/var", note: "ünïcödé" },
    });
    const c = makeEvent({ host: "web2", service: "cpu", time: -1.5e-7 });
    const r = roundTrip([
      { t: 1735732801.25, events: [a, b] },
      { t: 1735732802, events: [c, a] },
    ]);
    assert.deepEqual(r.events, [
      [a, b],
      [c, a],
    ]);
    assert.equal(r.events[0]![0]!.metric, 0.1 + 0.2);
    assert.deepEqual(
      r.lines.map((l) => l.kind),
      ["header", "dictionary", "batch", "dictionary", "batch", "end"],
    );
    assert.deepEqual(r.lines[2], { kind: "batch", t: 1735732801.25, count: 2 });
  });

  it("writes each name once per file and refers to it by number after that", () => {
    const events = [1, 2, 3].map((i) => makeEvent({ host: "a-rather-long-host-name", service: "a-rather-long-service-name", time: i, tags: ["check"], attributes: { mount_point: "/" } }));
    const r = roundTrip(events.map((e, i) => ({ t: i, events: [e] })));
    assert.equal(r.text.split("a-rather-long-host-name").length - 1, 1);
    assert.equal(r.text.split("mount_point").length - 1, 1);
    assert.deepEqual(r.events.flat(), events);
  });

  it("writes values out in full once the dictionary is full, and still reads them back", () => {
    const events = ["h1", "h2", "h3", "h4"].map((host) => makeEvent({ host, service: "s", time: 1, tags: [host], attributes: { host } }));
    const r = roundTrip([{ t: 1, events }], 2);
    assert.deepEqual(r.events[0], events);
    assert.match(r.text, /\["h3",1,null,null,null,null,null,\["h3"\],\{"host":"h3"\}\]/); // written out; "s" is entry 1; null time: the receive time
  });

  it("writes an event's time as null when it is the receive time or the time of the event before it", () => {
    const e = (time: number): Event => makeEvent({ host: "h", service: "s", time });
    const r = roundTrip([{ t: 10, events: [e(10), e(9.5), e(9.5), e(10), e(10)] }]);
    assert.match(r.text, /^\[10,\[0,1,null\],\[0,1,9\.5\],\[0,1,null\],\[0,1,10\],\[0,1,null\]\]$/m);
    assert.deepEqual(
      r.events[0]!.map((x) => x.time),
      [10, 9.5, 9.5, 10, 10],
    );
  });

  it("puts events received at one time on one line, up to the line limit", () => {
    const enc = new TraceEncoder({ maxLineEvents: 2 });
    const out: string[] = [];
    for (let i = 0; i < 5; i++) enc.add(7, makeEvent({ host: "h", service: "s", time: i }), out);
    enc.flush(out);
    assert.equal(out.filter((l) => l.startsWith("[7,")).length, 3);
  });

  it("refuses lines it cannot use, saying why", () => {
    const dec = new TraceDecoder();
    assert.throws(() => dec.line('[1,[0,1,2]]'), /the first line is not a trace header/);
    assert.throws(() => dec.line('{"satelliteTrace":2}'), /version 2 is not supported/);
    dec.line(JSON.stringify(HEADER));
    assert.throws(() => dec.line("[1,[0,1,2"), TraceFormatError);
    assert.throws(() => dec.line("[1,[5,1,2]]"), /host refers to dictionary entry 5, which does not exist/);
    assert.throws(() => dec.line('[1,["h","s","noon"]]'), /time is not a finite number/);
    assert.throws(() => dec.line('[1,["h","s",3,null,"high"]]'), /metric is not a finite number/);
    assert.throws(() => dec.line('[1,["h","s",3,null,null,-1]]'), /ttl is not a positive number/);
    assert.throws(() => dec.line('[1,["","s",3]]'), /host is not a non-empty string/);
    assert.throws(() => dec.line('[1,["h","s",3,null,null,null,null,["a",1]]]'), /tags are not a list of strings/);
    assert.throws(() => dec.line('[1,["h","s",3,null,null,null,null,null,{"a":1}]]'), /attributes are not an object of strings/);
    dec.line('["d",{"a":1}]');
    assert.throws(() => dec.line("[1,[\"h\",\"s\",3,null,null,null,null,null,0]]"), /attributes are not an object of strings/);
    assert.throws(() => dec.line('["what"]'), /unknown line type "what"/);
    assert.deepEqual(dec.line('["gap",3,1,2]'), { kind: "gap", dropped: 3, from: 1, to: 2 });
    assert.deepEqual(dec.line("[9]"), { kind: "batch", t: 9, count: 0 });
  });

  it("names files by prefix, sequence number and UTC time, and reads the number back", () => {
    assert.equal(traceFileName("trace", 7, 1735732800.9), "trace-000007-20250101T120000Z.jsonl.gz");
    assert.equal(traceFileSeq("trace-000007-20250101T120000Z.jsonl.gz"), 7);
    assert.equal(traceFileSeq("trace-1234567-20250101T120000Z.jsonl.gz"), 1234567);
    assert.equal(traceFileSeq("notes.jsonl.gz"), undefined);
  });
});
