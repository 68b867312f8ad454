/** Tests of the bus message format: what decodes, and the reason code for everything that does not. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { makeEvent } from "../streams/event.ts";
import { decodeMessage, encodeMessage, encodeParts, MAX_PRODUCER_LENGTH, type MalformedCode } from "./codec.ts";

const event = makeEvent({ host: "web1", service: "cpu", time: 1_700_000_000, metric: 0.5, tags: ["a"], attributes: { dc: "x" } });

describe("encodeMessage / decodeMessage", () => {
  it("round-trips events, with and without a producer identity", () => {
    const plain = decodeMessage(Buffer.from(encodeMessage([event, event])));
    assert.ok(plain.ok);
    assert.deepEqual(plain.message.events, [JSON.parse(JSON.stringify(event)), JSON.parse(JSON.stringify(event))]);
    assert.equal(plain.message.producer, undefined);
    assert.equal(plain.message.seq, undefined);
    const tagged = decodeMessage(Buffer.from(encodeMessage([event], { producer: "p-1", seq: 42 })));
    assert.ok(tagged.ok);
    assert.equal(tagged.message.producer, "p-1");
    assert.equal(tagged.message.seq, 42);
  });

  it("writes the documented envelope: v first, then the identity, then the events", () => {
    assert.equal(encodeParts(['{"host":"a"}'], { producer: "p", seq: 0 }), '{"v":1,"producer":"p","seq":0,"events":[{"host":"a"}]}');
    assert.equal(encodeParts([]), '{"v":1,"events":[]}');
  });

  it("accepts an empty event list and ignores unknown top-level fields", () => {
    const r = decodeMessage(Buffer.from('{"v":1,"events":[],"sent_by":"collector 2.1"}'));
    assert.ok(r.ok);
    assert.deepEqual(r.message.events, []);
  });

  it("does not judge the events themselves (that is the engine's per-event validation)", () => {
    const r = decodeMessage(Buffer.from('{"v":1,"events":[1,"x",null,{"nohost":true}]}'));
    assert.ok(r.ok);
    assert.equal(r.message.events.length, 4);
  });

  const cases: [string, Buffer | null, MalformedCode][] = [
    ["no value at all", null, "empty"],
    ["an empty value", Buffer.alloc(0), "empty"],
    ["a value over the size limit", Buffer.from(`{"v":1,"events":[${'"x",'.repeat(30)}"x"]}`), "too_large"],
    ["text that is not JSON", Buffer.from('{"v":1,"events":[{"host":'), "bad_json"],
    ["binary garbage", Buffer.from([0xff, 0xfe, 0x00, 0x01]), "bad_json"],
    ["a JSON array instead of an object", Buffer.from("[]"), "not_an_object"],
    ["a JSON string", Buffer.from('"hello"'), "not_an_object"],
    ["JSON null", Buffer.from("null"), "not_an_object"],
    ["no version", Buffer.from('{"events":[]}'), "unsupported_version"],
    ["a future version", Buffer.from('{"v":2,"events":[]}'), "unsupported_version"],
    ["the version as a string", Buffer.from('{"v":"1","events":[]}'), "unsupported_version"],
    ["no events field", Buffer.from('{"v":1}'), "bad_events"],
    ["events as an object", Buffer.from('{"v":1,"events":{"host":"a"}}'), "bad_events"],
    ["more events than allowed", Buffer.from(`{"v":1,"events":[${"{},".repeat(10)}{}]}`), "too_many_events"],
    ["a seq without a producer", Buffer.from('{"v":1,"seq":1,"events":[]}'), "bad_producer"],
    ["an empty producer", Buffer.from('{"v":1,"producer":"","seq":1,"events":[]}'), "bad_producer"],
    ["an overlong producer", Buffer.from(`{"v":1,"producer":"${"p".repeat(MAX_PRODUCER_LENGTH + 1)}","seq":1,"events":[]}`), "bad_producer"],
    ["a producer without a seq", Buffer.from('{"v":1,"producer":"p","events":[]}'), "bad_seq"],
    ["a negative seq", Buffer.from('{"v":1,"producer":"p","seq":-1,"events":[]}'), "bad_seq"],
    ["a fractional seq", Buffer.from('{"v":1,"producer":"p","seq":1.5,"events":[]}'), "bad_seq"],
    ["a seq beyond 2^53", Buffer.from('{"v":1,"producer":"p","seq":18014398509481984,"events":[]}'), "bad_seq"],
  ];
  for (const [what, value, code] of cases) {
    it(`calls ${what} "${code}", with a sentence saying why`, () => {
      const r = decodeMessage(value, { maxMessageBytes: code === "too_large" ? 64 : 1 << 20, maxEvents: 10 });
      assert.equal(r.ok, false);
      if (r.ok) return;
      assert.equal(r.malformed.code, code);
      assert.ok(r.malformed.reason.length > 10, r.malformed.reason);
    });
  }

  it("never throws, whatever the bytes", () => {
    const deep = Buffer.from("[".repeat(200_000) + "]".repeat(200_000));
    const r = decodeMessage(deep, { maxMessageBytes: 1 << 20, maxEvents: 10 });
    assert.equal(r.ok, false);
  });
});
