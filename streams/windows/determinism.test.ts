/**
 * Determinism of the windowed combinators: the same input at the same clock
 * times gives the same output, run after run, and whenever the streams were
 * created (windows align to the clock, not to rule load time).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Event } from "../event.ts";
import type { Stream } from "../stream.ts";
import { ev, testContext } from "../test-support.ts";
import { bindWindows } from "./api.ts";

/** A small seeded generator (LCG), so the input is varied but fixed. */
function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

/** Builds every windowed combinator at clock `createdAt`, feeds a fixed input from t = 2000, returns the log of outputs. */
function run(createdAt: number): string[] {
  const { ctx, clock, errors } = testContext(createdAt);
  const w = bindWindows(ctx);
  const log: string[] = [];
  const rec = (name: string): Stream<Event | readonly Event[]> => (x) => void log.push(`${clock.now()} ${name} ${JSON.stringify(x)}`);
  const streams: Stream<Event>[] = [
    w.throttle(3, 7, rec("throttle")),
    w.rollup(2, 5, rec("rollup")),
    w.batch(4, 3, rec("batch")),
    w.rate(10, rec("rate")),
    w.percentiles(15, [0, 0.5, 0.99], rec("percentiles")),
    w.coalesce(6, rec("coalesce")),
    w.movingTimeWindow(8, rec("movingTimeWindow")),
    w.fixedTimeWindow(12, rec("fixedTimeWindow")),
    w.movingEventWindow(3, rec("movingEventWindow")),
    w.fixedEventWindow(5, rec("fixedEventWindow")),
    w.stable(4, (e) => e.state, rec("stable")),
    w.ddtReal(9, rec("ddtReal")),
  ];
  const rnd = lcg(42);
  let t = 2000;
  for (let i = 0; i < 400; i++) {
    t += rnd() < 0.1 ? 20 * rnd() : 0.7 * rnd(); // mostly dense, with quiet spells
    clock.advanceTo(t);
    const e = ev({
      host: `h${Math.floor(rnd() * 4)}`,
      service: `s${Math.floor(rnd() * 2)}`,
      time: t - rnd() * 2,
      metric: rnd() < 0.9 ? Math.round(rnd() * 100) : undefined,
      state: rnd() < 0.05 ? "expired" : rnd() < 0.7 ? "ok" : "critical",
      ttl: rnd() < 0.5 ? 5 + Math.floor(rnd() * 20) : undefined,
    });
    for (const s of streams) s(e);
  }
  clock.advanceBy(3600);
  assert.deepEqual(errors, []);
  assert.equal(clock.pending, 0, "every combinator went quiet after its input stopped");
  return log;
}

describe("windowed combinators under a VirtualClock", () => {
  it("give identical output for identical input, run after run", () => {
    const first = run(1000);
    const second = run(1000);
    assert.ok(first.length > 1000, `a meaningful amount of output (${first.length} lines)`);
    for (const name of ["throttle", "rollup", "batch", "rate", "percentiles", "coalesce", "fixedTimeWindow", "stable", "ddtReal"]) {
      assert.ok(first.some((l) => l.includes(` ${name} `)), `${name} emitted something`);
    }
    assert.deepEqual(second, first);
  });

  it("give identical output whenever the streams were created", () => {
    assert.deepEqual(run(1234.567), run(1000));
  });
});
