/**
 * Tests of the codec between Riemann wire events and `Event`: field by
 * field decoding rules (metric precedence, time_micros over time, floats,
 * attributes), Riemann-style encoding, and that decoded events go through
 * the engine's validation like any other input.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { VirtualClock } from "../streams/clock.ts";
import { Engine } from "../streams/engine.ts";
import { makeEvent } from "../streams/event.ts";
import { eventToRiemann, riemannToRaw, shortestFloat32 } from "./codec.ts";
import { decodeMsg, encodeMsg, int64ToNumber, type PbEvent } from "./schema.ts";

/** Encodes then decodes one event, as it would arrive from a client. */
function wire(pb: PbEvent): PbEvent {
  return decodeMsg(encodeMsg({ events: [pb] })).events![0]!;
}

describe("riemannToRaw", () => {
  it("reads every field of a full event", () => {
    const raw = riemannToRaw(
      wire({
        host: "web1",
        service: "cpu",
        state: "ok",
        description: "fine",
        time: 1_700_000_000,
        tags: ["a", "b"],
        ttl: 30,
        metric_d: 0.25,
        attributes: [{ key: "env", value: "prod" }],
      }),
    );
    assert.deepEqual(raw, {
      host: "web1",
      service: "cpu",
      time: 1_700_000_000,
      state: "ok",
      description: "fine",
      metric: 0.25,
      tags: ["a", "b"],
      ttl: 30,
      attributes: { env: "prod" },
    });
  });

  it("leaves absent fields undefined (no prototype defaults leak through)", () => {
    const raw = riemannToRaw(wire({ host: "h", service: "s" }));
    assert.equal(raw.time, undefined);
    assert.equal(raw.metric, undefined);
    assert.equal(raw.state, undefined);
    assert.equal(raw.ttl, undefined);
    assert.equal(raw.tags, undefined);
    assert.equal(raw.attributes, undefined);
  });

  it("prefers time_micros over time, as fractional seconds", () => {
    assert.equal(riemannToRaw(wire({ host: "h", service: "s", time: 1_700_000_000, time_micros: 1_700_000_000_250_000 })).time, 1_700_000_000.25);
    assert.equal(riemannToRaw(wire({ host: "h", service: "s", time: 1_700_000_000 })).time, 1_700_000_000);
  });

  it("takes the metric from sint64, then d, then f", () => {
    assert.equal(riemannToRaw(wire({ host: "h", service: "s", metric_sint64: -7, metric_d: 1.5, metric_f: 2.5 })).metric, -7);
    assert.equal(riemannToRaw(wire({ host: "h", service: "s", metric_d: 1.5, metric_f: 2.5 })).metric, 1.5);
    assert.equal(riemannToRaw(wire({ host: "h", service: "s", metric_f: 2.5 })).metric, 2.5);
    assert.equal(riemannToRaw(wire({ host: "h", service: "s", metric_sint64: 0, metric_d: 3 })).metric, 0, "a present zero still wins");
  });

  it("reads a float metric and ttl as the decimal the sender meant", () => {
    assert.equal(riemannToRaw(wire({ host: "h", service: "s", metric_f: 252.2, ttl: 0.1 })).metric, 252.2);
    assert.equal(riemannToRaw(wire({ host: "h", service: "s", ttl: 0.1 })).ttl, 0.1);
  });

  it("turns attributes into a string map: missing value is empty, last duplicate wins, __proto__ is a plain key", () => {
    const raw = riemannToRaw(
      wire({
        host: "h",
        service: "s",
        attributes: [{ key: "a", value: "1" }, { key: "b" }, { key: "a", value: "2" }, { key: "__proto__", value: "x" }],
      }),
    );
    const attrs = raw.attributes!;
    assert.equal(attrs.a, "2");
    assert.equal(attrs.b, "");
    assert.equal(Object.getPrototypeOf(attrs), Object.prototype, "the prototype was not replaced");
    assert.equal(Object.getOwnPropertyDescriptor(attrs, "__proto__")?.value, "x");
    assert.deepEqual(Object.keys(attrs).sort(), ["__proto__", "a", "b"]);
  });

  it("keeps attributes named like event fields as attributes (Riemann would merge or drop them)", () => {
    const raw = riemannToRaw(wire({ host: "h", service: "s", attributes: [{ key: "host", value: "other" }, { key: "metric", value: "9" }] }));
    assert.equal(raw.host, "h");
    assert.deepEqual(raw.attributes, { host: "other", metric: "9" });
  });
});

describe("shortestFloat32", () => {
  it("gives the shortest decimal that is the same float", () => {
    for (const x of [0.1, 0.2, 252.2, 3.14159, 1e-7, 123456.7, -42.42, 16777217, 3.4e38]) {
      const f = Math.fround(x);
      const s = shortestFloat32(f);
      assert.equal(Math.fround(s), f, `${x} reads back as the same float`);
      assert.ok(String(s).length <= String(f).length, `${s} is no longer than ${f}`);
    }
    assert.equal(shortestFloat32(Math.fround(0.1)), 0.1);
    assert.equal(shortestFloat32(Math.fround(252.2)), 252.2);
  });

  it("passes integers, NaN and infinities through", () => {
    assert.equal(shortestFloat32(42), 42);
    assert.ok(Number.isNaN(shortestFloat32(NaN)));
    assert.equal(shortestFloat32(-Infinity), -Infinity);
  });
});

describe("eventToRiemann", () => {
  it("writes time and time_micros, metric_f always, sint64 for integers and d otherwise", () => {
    const e = makeEvent({ host: "h", service: "s", time: 1_700_000_000.5, metric: 3, ttl: 10, tags: ["t"], attributes: { k: "v" } });
    const back = wire(eventToRiemann(e));
    assert.equal(int64ToNumber(back.time!), 1_700_000_000);
    assert.equal(int64ToNumber(back.time_micros!), 1_700_000_000_500_000);
    assert.equal(int64ToNumber(back.metric_sint64!), 3);
    assert.equal(Object.hasOwn(back, "metric_d"), false);
    assert.equal(back.metric_f, 3);
    assert.deepEqual(back.attributes!.map((a) => [a.key, a.value]), [["k", "v"]]);

    const fractional = wire(eventToRiemann(makeEvent({ host: "h", service: "s", time: 1, metric: 0.3 })));
    assert.equal(fractional.metric_d, 0.3);
    assert.equal(Object.hasOwn(fractional, "metric_sint64"), false);
    assert.equal(fractional.metric_f, Math.fround(0.3));
  });

  it("leaves out absent fields", () => {
    const back = wire(eventToRiemann(makeEvent({ host: "h", service: "s", time: 5 })));
    for (const field of ["state", "description", "ttl", "metric_f", "metric_d", "metric_sint64"]) assert.equal(Object.hasOwn(back, field), false, field);
  });

  it("round-trips an event through the wire and validation unchanged", () => {
    const e = makeEvent({ host: "web1", service: "disk /", time: 1_700_000_000.123456, state: "warning", description: "d", metric: 0.875, tags: ["x"], ttl: 60, attributes: { env: "prod" } });
    const engine = new Engine({ clock: new VirtualClock(1_700_000_000) });
    const result = engine.submit(riemannToRaw(wire(eventToRiemann(e))));
    assert.ok(result.ok);
    assert.deepEqual(result.event, e);
  });
});

describe("validation of decoded events", () => {
  const engine = new Engine({ clock: new VirtualClock(1_700_000_000) });
  const cases: [string, PbEvent, string][] = [
    ["an event without host is rejected", { service: "s" }, "missing_host"],
    ["an event without service is rejected", { host: "h" }, "missing_service"],
    ["a NaN float metric is rejected", { host: "h", service: "s", metric_f: NaN }, "invalid_metric"],
    ["a ttl of 0 is rejected", { host: "h", service: "s", ttl: 0 }, "invalid_ttl"],
    ["a time an hour ahead is rejected", { host: "h", service: "s", time: 1_700_003_600 }, "time_in_future"],
    ["a host over 255 characters is rejected", { host: "h".repeat(256), service: "s" }, "host_too_long"],
    ["65 attributes are rejected", { host: "h", service: "s", attributes: Array.from({ length: 65 }, (_, i) => ({ key: `k${i}`, value: "v" })) }, "too_many_attributes"],
  ];
  for (const [name, pb, code] of cases) {
    it(name, () => {
      const result = engine.submit(riemannToRaw(wire(pb)));
      assert.equal(result.ok, false);
      if (!result.ok) assert.equal(result.rejection.code, code);
    });
  }
});
