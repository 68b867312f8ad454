/** Tests for `hysteresis`: Satellite's trigger/hold semantics as a stream. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { expire, type Event } from "../event.ts";
import { collect, ev, testContext } from "../test-support.ts";
import { by } from "./by.ts";
import { hysteresis, type HysteresisSpec } from "./hysteresis.ts";

function run(spec: HysteresisSpec, inputs: readonly Event[], start = 0): Event[] {
  const { ctx } = testContext(start);
  const out = collect();
  const s = hysteresis(ctx, spec, out.stream);
  for (const e of inputs) s(e);
  return out.items;
}

const metrics = (ms: readonly (number | undefined)[]): Event[] => ms.map((m) => ev({ metric: m }));

describe("hysteresis", () => {
  it("triggers above triggerAbove, holds in the band, clears at or below holdAbove", () => {
    const out = run({ triggerAbove: 0.9, holdAbove: 0.7 }, metrics([0.5, 0.8, 0.95, 0.8, 0.75, 0.6, 0.8, 0.9, 0.91, 0.7]));
    assert.deepEqual(out.map((e) => e.state), ["ok", "ok", "critical", "critical", "critical", "ok", "ok", "ok", "critical", "ok"]);
  });

  it("has a falling form: triggers below triggerBelow, holds while below holdBelow", () => {
    const out = run({ triggerBelow: 0.1, holdBelow: 0.2 }, metrics([0.5, 0.05, 0.15, 0.2, 0.15]));
    assert.deepEqual(out.map((e) => e.state), ["ok", "critical", "critical", "ok", "ok"]);
  });

  it("takes predicates, e.g. on state, with custom state names", () => {
    const out = run(
      { trigger: (e) => e.state === "critical", hold: (e) => e.state !== "ok", triggeredState: "down", clearState: "up" },
      ["warning", "critical", "warning", "ok", "warning"].map((state) => ev({ state })),
    );
    assert.deepEqual(out.map((e) => e.state), ["up", "down", "down", "up", "up"]);
  });

  it("keeps the state for events without a value, emitting them with it", () => {
    const out = run({ triggerAbove: 0.9, holdAbove: 0.7 }, metrics([0.95, undefined, 0.5, undefined]));
    assert.deepEqual(out.map((e) => e.state), ["critical", "critical", "ok", "ok"]);
    const keyed = run({ triggerAbove: 5, holdAbove: 1, key: (e) => (e.attributes?.["q"] === undefined ? undefined : Number(e.attributes["q"])) },
      [ev({ attributes: { q: "9" } }), ev({ attributes: { q: "x" } }), ev()]);
    assert.deepEqual(keyed.map((e) => e.state), ["critical", "critical", "critical"]);
  });

  it("passes expired events on unchanged without moving the state; stale events get the held state", () => {
    const dead = expire(ev({ metric: 0 }), 100);
    const out = run({ triggerAbove: 0.9, holdAbove: 0.7 }, [
      ev({ time: 100, metric: 0.95 }),
      dead,
      ev({ time: 0, ttl: 10, metric: 0.1 }), // stale at clock 100: no update
      ev({ time: 100, metric: 0.8 }),
    ], 100);
    assert.deepEqual(out.map((e) => e.state), ["critical", "expired", "critical", "critical"]);
    assert.equal(out[1], dead);
    assert.equal(out[2]!.metric, 0.1);
  });

  it("passes an event that already has the output state as the same object", () => {
    const e = ev({ metric: 1, state: "critical" });
    const out = run({ triggerAbove: 0.9, holdAbove: 0.7 }, [e]);
    assert.equal(out[0], e);
  });

  it("with changesOnly, emits only changes of the output state, starting from clearState", () => {
    const out = run({ triggerAbove: 0.9, holdAbove: 0.7, changesOnly: true }, [
      ...metrics([0.5, 0.95, 0.8, 0.6, 0.5]),
      expire(ev(), 0),
      expire(ev(), 1),
      ...metrics([0.5, 0.6]),
    ]);
    assert.deepEqual(out.map((e) => e.state), ["critical", "ok", "expired", "ok"]);
  });

  it("keeps one state per series inside by", () => {
    const { ctx } = testContext();
    const out = collect();
    const s = by(ctx, ["host", "service"], () => hysteresis(ctx, { triggerAbove: 0.9, holdAbove: 0.7 }, out.stream));
    s(ev({ host: "a", metric: 0.95 }));
    s(ev({ host: "b", metric: 0.8 }));
    s(ev({ host: "a", metric: 0.8 }));
    assert.deepEqual(out.items.map((e) => `${e.host}:${e.state}`), ["a:critical", "b:ok", "a:critical"]);
  });

  it("reports a throwing key without moving the state", () => {
    const { ctx, errors } = testContext();
    const out = collect();
    const s = hysteresis(ctx, { triggerAbove: 1, holdAbove: 0, key: (e) => { if (e.description === "bad") throw new Error("x"); return e.metric; } }, out.stream);
    s(ev({ metric: 2 }));
    s(ev({ description: "bad" }));
    s(ev({ metric: 0.5 }));
    assert.deepEqual(out.items.map((e) => e.state), ["critical", "critical"]);
    assert.equal(errors[0]?.where, "hysteresis");
  });

  it("rejects inconsistent settings when built", () => {
    const { ctx } = testContext();
    assert.throws(() => hysteresis(ctx, { triggerAbove: 0.5, holdAbove: 0.7 }), /holdAbove \(0.7\) must be <= triggerAbove \(0.5\)/);
    assert.throws(() => hysteresis(ctx, { triggerBelow: 0.5, holdBelow: 0.2 }), /holdBelow/);
    assert.throws(() => hysteresis(ctx, { triggerAbove: 1, holdAbove: 0, trigger: () => true } as unknown as HysteresisSpec), /exactly one of/);
    assert.throws(() => hysteresis(ctx, { triggerAbove: 1, holdAbove: 0, clearState: "critical" }), /two different strings/);
  });
});
