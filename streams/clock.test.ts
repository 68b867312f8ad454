/** Tests for the timer queue and the virtual, real and scoped clocks. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RealClock, ScopedClock, VirtualClock } from "./clock.ts";

describe("VirtualClock", () => {
  it("fires due timers in time order, then insertion order, with now() at each timer's time", () => {
    const clock = new VirtualClock(100);
    const fired: string[] = [];
    clock.setTimer(105, () => fired.push(`b@${clock.now()}`));
    clock.setTimer(103, () => fired.push(`a@${clock.now()}`));
    clock.setTimer(105, () => fired.push(`c@${clock.now()}`));
    clock.setTimer(200, () => fired.push("late"));
    clock.advanceTo(150);
    assert.deepEqual(fired, ["a@103", "b@105", "c@105"]);
    assert.equal(clock.now(), 150);
    assert.equal(clock.pending, 1);
  });

  it("fires timers that timers set, if they fall within the advance", () => {
    const clock = new VirtualClock(0);
    const fired: number[] = [];
    const tick = (): void => {
      fired.push(clock.now());
      if (clock.now() < 30) clock.setTimer(clock.now() + 10, tick);
    };
    clock.setTimer(10, tick);
    clock.advanceTo(100);
    assert.deepEqual(fired, [10, 20, 30]);
  });

  it("skips cancelled timers and refuses to go backwards", () => {
    const clock = new VirtualClock(0);
    let fired = false;
    const t = clock.setTimer(5, () => (fired = true));
    t.cancel();
    t.cancel();
    clock.advanceBy(10);
    assert.equal(fired, false);
    assert.equal(clock.pending, 0);
    assert.throws(() => clock.advanceTo(5), /backwards/);
  });

  it("runs a timer set in the past at the current time, not synchronously", () => {
    const clock = new VirtualClock(50);
    const seen: number[] = [];
    clock.setTimer(10, () => seen.push(clock.now()));
    assert.deepEqual(seen, []);
    clock.runDue();
    assert.deepEqual(seen, [50]);
  });
});

describe("ScopedClock", () => {
  it("cancels all of its timers on dispose and ignores new ones", () => {
    const parent = new VirtualClock(0);
    const scope = new ScopedClock(parent);
    const fired: string[] = [];
    scope.setTimer(5, () => fired.push("scoped"));
    parent.setTimer(5, () => fired.push("parent"));
    assert.equal(scope.pending, 1);
    scope.dispose();
    scope.setTimer(6, () => fired.push("after dispose"));
    parent.advanceTo(10);
    assert.deepEqual(fired, ["parent"]);
  });

  it("forgets timers once they fire", () => {
    const parent = new VirtualClock(0);
    const scope = new ScopedClock(parent);
    scope.setTimer(1, () => {});
    parent.advanceTo(2);
    assert.equal(scope.pending, 0);
  });
});

describe("RealClock", () => {
  it("fires a due timer through the Node event loop", async () => {
    let t = 1000;
    const clock = new RealClock(() => t);
    const fired = new Promise<number>((resolve) => clock.setTimer(1000, () => resolve(clock.now())));
    t = 1000.5;
    assert.equal(await fired, 1000.5);
  });
});
