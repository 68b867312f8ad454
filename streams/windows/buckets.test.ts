/** Tests for the shared time-bucket engine: alignment, hooks, and the one-timer-while-held rule. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Clock, Timer } from "../clock.ts";
import type { StreamContext } from "../stream.ts";
import { testContext } from "../test-support.ts";
import { TimeBuckets, type BucketHooks } from "./buckets.ts";

/** Hooks that log every call; `keep` decides finish's answer. */
function logging(log: string[], keep: (start: number, end: number) => boolean = () => false): BucketHooks {
  return {
    open: (start, end) => void log.push(`open ${start}-${end}`),
    finish: (start, end) => {
      log.push(`finish ${start}-${end}`);
      return keep(start, end);
    },
  };
}

describe("TimeBuckets", () => {
  it("aligns windows to multiples of seconds on the engine clock, whenever it was created", () => {
    const { ctx, clock } = testContext(1003.7);
    const log: string[] = [];
    const w = new TimeBuckets(ctx, { name: "t", seconds: 10 }, logging(log));
    clock.advanceTo(1004);
    w.enter(clock.now());
    assert.deepEqual([w.start, w.end], [1000, 1010]);
    w.enter(1009.999);
    clock.advanceTo(1010);
    w.enter(clock.now());
    assert.deepEqual(log, ["open 1000-1010", "open 1010-1020"]);
  });

  it("arms no timer for windows that hold nothing, and exactly one for a held window", () => {
    const { ctx, clock } = testContext(0);
    const log: string[] = [];
    const w = new TimeBuckets(ctx, { name: "t", seconds: 5 }, logging(log));
    w.enter(0);
    assert.equal(clock.pending, 0);
    for (let i = 0; i < 100; i++) {
      w.enter(clock.now());
      w.hold();
    }
    assert.equal(clock.pending, 1);
    clock.advanceTo(4.9);
    assert.deepEqual(log, ["open 0-5"]);
    clock.advanceTo(5);
    assert.deepEqual(log, ["open 0-5", "finish 0-5"]);
    assert.equal(w.holding, false);
    assert.equal(clock.pending, 0, "self-quiescing: nothing held, no timer");
    clock.advanceTo(100);
    assert.equal(log.length, 2);
  });

  it("keeps holding contiguous windows while finish returns true, then stops", () => {
    const { ctx, clock } = testContext(0);
    const log: string[] = [];
    const w = new TimeBuckets(ctx, { name: "t", seconds: 10 }, logging(log, (_s, end) => end < 30));
    clock.advanceTo(3);
    w.enter(clock.now());
    w.hold();
    clock.advanceTo(100);
    assert.deepEqual(log, ["open 0-10", "finish 0-10", "open 10-20", "finish 10-20", "open 20-30", "finish 20-30"]);
    assert.equal(clock.pending, 0);
  });

  it("with align 'input', opens a window at the input that finds none open", () => {
    const { ctx, clock } = testContext(0);
    const log: string[] = [];
    const w = new TimeBuckets(ctx, { name: "t", seconds: 2, align: "input" }, logging(log));
    clock.advanceTo(3.5);
    w.enter(clock.now());
    w.hold();
    clock.advanceTo(4);
    w.enter(clock.now());
    clock.advanceTo(10);
    assert.deepEqual(log, ["open 3.5-5.5", "finish 3.5-5.5"]);
  });

  it("close ends the window without finish and cancels its timer", () => {
    const { ctx, clock } = testContext(0);
    const log: string[] = [];
    const w = new TimeBuckets(ctx, { name: "t", seconds: 10 }, logging(log));
    w.enter(1);
    w.hold();
    w.close();
    assert.equal(clock.pending, 0);
    clock.advanceTo(50);
    assert.deepEqual(log, ["open 0-10"]);
    w.enter(clock.now());
    assert.deepEqual(log, ["open 0-10", "open 50-60"]);
  });

  it("cut ends the window at once through finish, and the next input opens a new one", () => {
    const { ctx, clock } = testContext(0);
    const log: string[] = [];
    const w = new TimeBuckets(ctx, { name: "t", seconds: 10, align: "input" }, logging(log));
    clock.advanceTo(1);
    w.enter(clock.now());
    w.hold();
    w.cut();
    assert.equal(clock.pending, 0);
    clock.advanceTo(2);
    w.enter(clock.now());
    assert.deepEqual(log, ["open 1-11", "finish 1-11", "open 2-12"]);
  });

  it("finishes a held window on the next input when its timer is late, before opening the next", () => {
    // A clock whose timers never fire on their own (a busy event loop).
    let now = 0;
    const timers: Timer[] = [];
    const lagging: Clock = { now: () => now, setTimer: (at) => (timers.push({ at, cancel() {} }), timers[timers.length - 1]!) };
    const ctx: StreamContext = { clock: lagging, onError: (e) => assert.fail(String(e)) };
    const log: string[] = [];
    const w = new TimeBuckets(ctx, { name: "t", seconds: 10 }, logging(log, (_s, end) => end < 20));
    w.enter(now);
    w.hold();
    now = 35;
    w.enter(now);
    assert.deepEqual(log, ["open 0-10", "finish 0-10", "open 10-20", "finish 10-20", "open 30-40"]);
  });

  it("keeps start <= now < end despite floating-point window sizes", () => {
    const { ctx } = testContext(0);
    const w = new TimeBuckets(ctx, { name: "t", seconds: 0.1 }, logging([]));
    for (let i = 0; i < 1000; i++) {
      const now = i * 0.1 + (i % 3) * 0.0000000001;
      w.enter(now);
      assert.ok(w.start <= now && now < w.end, `now ${now} in [${w.start}, ${w.end})`);
    }
  });

  it("rejects a window length that is not a positive finite number", () => {
    const { ctx } = testContext(0);
    assert.throws(() => new TimeBuckets(ctx, { name: "rate", seconds: 0 }, logging([])), /rate: seconds must be a finite number > 0, got 0/);
    assert.throws(() => new TimeBuckets(ctx, { name: "rate", seconds: NaN }, logging([])), /got NaN/);
  });
});
