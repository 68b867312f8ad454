/** Tests for `Deadline`: one lazily re-armed timer, cancelled when cleared. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { testContext } from "../test-support.ts";
import { Deadline } from "./deadline.ts";

describe("Deadline", () => {
  it("runs onDue once at the last time set, keeping a single timer while the time moves later", () => {
    const { ctx, clock } = testContext(100);
    const fired: number[] = [];
    const d = new Deadline(ctx, "t", () => fired.push(clock.now()));
    d.set(105);
    d.set(107);
    d.set(110);
    assert.equal(clock.pending, 1);
    assert.equal(d.dueAt, 110);
    clock.advanceTo(108);
    assert.deepEqual(fired, []);
    assert.equal(clock.pending, 1, "re-armed once for 110");
    clock.advanceTo(200);
    assert.deepEqual(fired, [110]);
    assert.equal(clock.pending, 0);
    assert.equal(d.dueAt, undefined);
  });

  it("re-arms earlier when the time moves backwards", () => {
    const { ctx, clock } = testContext(0);
    const fired: number[] = [];
    const d = new Deadline(ctx, "t", () => fired.push(clock.now()));
    d.set(50);
    d.set(20);
    assert.equal(clock.pending, 1);
    clock.advanceTo(100);
    assert.deepEqual(fired, [20]);
  });

  it("clear cancels the pending timer", () => {
    const { ctx, clock } = testContext(0);
    let fired = false;
    const d = new Deadline(ctx, "t", () => (fired = true));
    d.set(10);
    d.clear();
    assert.equal(clock.pending, 0);
    clock.advanceTo(100);
    assert.equal(fired, false);
  });

  it("runNow runs onDue at once and leaves the pending timer to serve a later set", () => {
    const { ctx, clock } = testContext(0);
    const fired: number[] = [];
    const d = new Deadline(ctx, "t", () => fired.push(clock.now()));
    d.set(10);
    clock.advanceTo(4);
    d.runNow();
    assert.deepEqual(fired, [4]);
    assert.equal(d.dueAt, undefined);
    d.set(30);
    assert.equal(clock.pending, 1, "no second timer");
    clock.advanceTo(20);
    assert.deepEqual(fired, [4], "the old timer fired without running onDue, and re-armed");
    clock.advanceTo(30);
    assert.deepEqual(fired, [4, 30]);
    assert.equal(clock.pending, 0);
  });

  it("reports a throwing onDue through ctx.onError under its name", () => {
    const { ctx, clock, errors } = testContext(0);
    const d = new Deadline(ctx, "stable", () => {
      throw new Error("boom");
    });
    d.set(1);
    clock.advanceTo(2);
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.where, "stable");
  });
});
