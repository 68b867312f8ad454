/** Tests for the engine: validation at the door, index upkeep, expiry re-entry and error isolation. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { VirtualClock } from "./clock.ts";
import { Engine, EXCEPTION_SERVICE } from "./engine.ts";
import type { Event } from "./event.ts";

function setup(): { clock: VirtualClock; engine: Engine; seen: Event[] } {
  const clock = new VirtualClock(1000);
  const engine = new Engine({ clock });
  const seen: Event[] = [];
  engine.setStream((e) => void seen.push(e));
  return { clock, engine, seen };
}

describe("Engine", () => {
  it("accepts good events, indexes them and feeds them to the streams", () => {
    const { engine, seen } = setup();
    const result = engine.submit({ host: "web1", service: "cpu", metric: 0.5 });
    assert.equal(result.ok, true);
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.time, 1000, "a missing time defaults to the engine clock");
    assert.equal(engine.index.lookup("web1", "cpu")?.metric, 0.5);
    assert.equal(engine.stats.accepted, 1);
  });

  it("rejects bad events with a reason, counts them by code, and keeps the good ones of a batch", () => {
    const { engine, seen } = setup();
    const batch = engine.submitAll([
      { host: "a", service: "cpu", metric: 1 },
      { service: "cpu" },
      { host: "b", service: "cpu", metric: Number.NaN },
      { host: "c", service: "cpu", time: 1000 + 3600 },
      { host: "d", service: "cpu", tags: Array.from({ length: 65 }, (_, i) => `t${i}`) },
      { host: "e", service: "x".repeat(256) },
      { host: "f", service: "cpu", metric: 2 },
    ]);
    assert.equal(batch.accepted, 2);
    assert.deepEqual(
      batch.rejected.map((r) => [r.index, r.rejection.code]),
      [
        [1, "missing_host"],
        [2, "invalid_metric"],
        [3, "time_in_future"],
        [4, "too_many_tags"],
        [5, "service_too_long"],
      ],
    );
    assert.match(batch.rejected[2]!.rejection.reason, /ahead of the engine clock/);
    assert.deepEqual(seen.map((e) => e.host), ["a", "f"]);
    assert.equal(engine.rejectedTotal, 5);
    assert.equal(engine.stats.rejected.get("invalid_metric"), 1);
  });

  it("re-injects an expired event at the moment its TTL runs out", () => {
    const { clock, engine, seen } = setup();
    engine.submit({ host: "web1", service: "heartbeat", ttl: 30, time: 1000 });
    clock.advanceTo(1029.999);
    assert.equal(seen.length, 1);
    clock.advanceTo(1031);
    assert.equal(seen.length, 2);
    assert.equal(seen[1]!.state, "expired");
    assert.equal(seen[1]!.time, 1030);
    assert.equal(engine.index.lookup("web1", "heartbeat"), undefined);
    assert.equal(engine.stats.expired, 1);
  });

  it("turns a throw in the streams into a counter and an indexed error event, and keeps going", () => {
    const { engine } = setup();
    const seen: string[] = [];
    engine.setStream((e) => {
      if (e.host === "bad") throw new Error("boom");
      seen.push(e.host);
    });
    engine.submit({ host: "bad", service: "cpu" });
    engine.submit({ host: "good", service: "cpu" });
    assert.deepEqual(seen, ["good"]);
    assert.equal(engine.stats.streamErrors, 1);
    const errorEvent = engine.index.lookup("bad", EXCEPTION_SERVICE);
    assert.equal(errorEvent?.state, "error");
    assert.match(errorEvent?.description ?? "", /streams: boom/);
    assert.equal(engine.stats.recentErrors[0]?.message, "boom");
  });

  it("gives identical output for identical input under the virtual clock", () => {
    const run = (): string => {
      const { clock, engine, seen } = setup();
      for (let i = 0; i < 50; i++) {
        clock.advanceTo(1000 + i);
        engine.submit({ host: `h${i % 7}`, service: `s${i % 3}`, metric: i, ttl: 5 + (i % 4) });
      }
      clock.advanceTo(1100);
      return JSON.stringify(seen);
    };
    assert.equal(run(), run());
  });
});
